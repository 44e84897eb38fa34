// Streams one greedy chat completion until the server ends it and prints how it ended as one JSON object: the
// openai package raises an error event in the stream as an APIError. The C# test (ShutdownTests) asserts on it.
// Usage: node stream-until-error.mjs BASE_URL
import OpenAI from "openai";

const [baseURL] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey: "unused", maxRetries: 0 });
let chunks = 0;
let error = null;
try {
  const stream = await client.chat.completions.create({
    model: "tiny", messages: [{ role: "user", content: "the ship" }], max_tokens: 30000, temperature: 0, stream: true,
  });
  for await (const chunk of stream) chunks++;
} catch (e) {
  error = { name: e.constructor.name, message: e.message, code: e.code ?? null, type: e.type ?? null };
}
console.log(JSON.stringify({ chunks, error }));
