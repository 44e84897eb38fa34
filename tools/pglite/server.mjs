// Serves an in-memory PGlite database with the pgvector extension over the PostgreSQL wire protocol.
// Usage: node server.mjs PORT [MAX_CONNECTIONS] [--without-vector]. Prints "ready postgres://postgres@127.0.0.1:PORT/postgres" once it accepts
// connections, and stops on SIGTERM/SIGINT or when its standard input closes (so that it dies with the process that started it).
// --without-vector serves a database whose server lacks pgvector, as a PostgreSQL without the extension installed would.
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

const args = process.argv.slice(2).filter((a) => a !== '--without-vector');
const withVector = args.length === process.argv.length - 2;
const port = Number(args[0]);
const maxConnections = Number(args[1] ?? 4);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error('usage: node server.mjs PORT [MAX_CONNECTIONS] [--without-vector]');
  process.exit(2);
}

const db = await PGlite.create(withVector ? { extensions: { vector } } : {});
const server = new PGLiteSocketServer({ db, port, host: '127.0.0.1', maxConnections });
await server.start();
console.log(`ready postgres://postgres@127.0.0.1:${port}/postgres`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await server.stop();
  await db.close();
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.resume();
