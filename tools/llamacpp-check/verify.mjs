// Usage: node verify.mjs MODEL.gguf "prompt" [tokens]
// Prints llama.cpp's token ids for the prompt and its greedy continuation, to compare with
// `sharplm tokenizer encode` and `sharplm generate --temperature 0` on the model folder the file came from.
import {getLlama} from "node-llama-cpp";

const [modelPath, prompt, count = "16"] = process.argv.slice(2);
if (!modelPath || prompt === undefined) {
  console.error("usage: node verify.mjs MODEL.gguf PROMPT [TOKENS]");
  process.exit(2);
}
// build: "never" uses the prebuilt CPU binaries of @node-llama-cpp/linux-x64 and never compiles or downloads.
const llama = await getLlama({gpu: false, build: "never", logLevel: "warn"});
const model = await llama.loadModel({modelPath});
const tokens = model.tokenize(prompt);
console.log("prompt ids", JSON.stringify(Array.from(tokens)));
const context = await model.createContext({contextSize: 64});
const sequence = context.getSequence();
const generated = [];
for await (const token of sequence.evaluate(tokens, {temperature: 0})) {
  generated.push(token);
  if (generated.length >= Number(count) || model.isEogToken(token)) break;
}
console.log("generated ids", JSON.stringify(generated));
console.log("text", JSON.stringify(model.detokenize(generated, true)));
