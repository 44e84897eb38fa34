// Exercises a running server with the official openai package and prints what it saw as one JSON object;
// the C# test (NodeSdkTests) asserts on it. Usage: node client.mjs BASE_URL API_KEY
import OpenAI from "openai";

const [baseURL, apiKey] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
const messages = [{ role: "system", content: "Be brief." }, { role: "user", content: "the whale" }];
const out = {};

const plain = await client.chat.completions.create({ model: "tiny", messages, max_tokens: 12, temperature: 0 });
out.chat = { text: plain.choices[0].message.content, role: plain.choices[0].message.role, finish: plain.choices[0].finish_reason, usage: plain.usage };

let streamed = "", usage = null, chunks = 0, finish = null;
for await (const chunk of await client.chat.completions.create({ model: "tiny", messages, max_tokens: 12, temperature: 0, stream: true, stream_options: { include_usage: true } })) {
  chunks++;
  if (chunk.usage) usage = chunk.usage;
  for (const choice of chunk.choices) {
    streamed += choice.delta?.content ?? "";
    finish ??= choice.finish_reason;
  }
}
out.stream = { text: streamed, usage, chunks, finish };

const scored = await client.chat.completions.create({ model: "tiny", messages, max_tokens: 5, temperature: 0, logprobs: true, top_logprobs: 2 });
out.logprobs = { tokens: scored.usage.completion_tokens, content: scored.choices[0].logprobs.content.map(t => ({ token: t.token, logprob: t.logprob, top: t.top_logprobs.length })) };

const schema = { type: "object", properties: { ship: { type: "string", maxLength: 8 }, mast: { type: "integer" } }, required: ["ship", "mast"] };
const structured = await client.chat.completions.create({ model: "tiny", messages, max_tokens: 400, temperature: 1, seed: 3,
  response_format: { type: "json_schema", json_schema: { name: "ship", schema, strict: true } } });
out.json_schema = { text: structured.choices[0].message.content };

const tools = [
  { type: "function", function: { name: "add", parameters: { type: "object", properties: { a: { type: "integer" }, b: { type: "integer" } }, required: ["a", "b"] } } },
  { type: "function", function: { name: "shout", parameters: { type: "object", properties: { word: { enum: ["ahoy", "avast"] } }, required: ["word"] } } },
];
const called = await client.chat.completions.create({ model: "tiny", messages, max_tokens: 1000, temperature: 1, seed: 1, tools, tool_choice: "required" });
out.tool = { finish: called.choices[0].finish_reason, content: called.choices[0].message.content, calls: called.choices[0].message.tool_calls.map(c => ({ id: c.id, type: c.type, name: c.function.name, arguments: c.function.arguments })) };

const three = await client.chat.completions.create({ model: "tiny", messages, max_tokens: 8, temperature: 1, seed: 11, n: 3 });
out.n = three.choices.map(c => ({ index: c.index, text: c.message.content }));

// A stop string taken from the greedy answer: the text must end just before it.
const greedy = await client.chat.completions.create({ model: "tiny", messages, max_tokens: 20, temperature: 0 });
const full = greedy.choices[0].message.content;
const stop = full.slice(6, 9);
const stopped = await client.chat.completions.create({ model: "tiny", messages, max_tokens: 20, temperature: 0, stop: [stop] });
out.stop = { full, stop, text: stopped.choices[0].message.content, finish: stopped.choices[0].finish_reason };

const sample = seed => client.chat.completions.create({ model: "tiny", messages, max_tokens: 12, temperature: 1, seed }).then(r => r.choices[0].message.content);
out.seed = { first: await sample(42), again: await sample(42), other: await sample(43) };

out.models = [];
for await (const m of client.models.list()) out.models.push({ id: m.id, object: m.object, owned_by: m.owned_by });

process.stdout.write(JSON.stringify(out));
