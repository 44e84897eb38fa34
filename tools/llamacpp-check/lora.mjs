// Usage: node lora.mjs BASE.gguf MERGED.gguf ADAPTER.gguf "prompt" [tokens]
// Greedy continuations from llama.cpp of the base model, the base model with the LoRA adapter GGUF applied at load
// time, and the model `export --merge-lora` merged: the second and third must be the same tokens.
import {getLlama} from "node-llama-cpp";
const [base, merged, adapter, prompt, count = "16"] = process.argv.slice(2);
const llama = await getLlama({gpu: false, build: "never", logLevel: "warn"});
async function greedy(modelPath, lora) {
  const model = await llama.loadModel({modelPath});
  const context = await model.createContext({contextSize: 64, ...(lora ? {lora: {adapters: [{filePath: lora, scale: 1}]}} : {})});
  const sequence = context.getSequence();
  const out = [];
  for await (const token of sequence.evaluate(model.tokenize(prompt), {temperature: 0})) {
    out.push(token);
    if (out.length >= Number(count)) break;
  }
  await context.dispose(); await model.dispose();
  return out;
}
const plain = await greedy(base);
const withAdapter = await greedy(base, adapter);
const mergedIds = await greedy(merged);
console.log("base          ", JSON.stringify(plain));
console.log("base + adapter", JSON.stringify(withAdapter));
console.log("merged        ", JSON.stringify(mergedIds));
console.log("adapter equals merged:", JSON.stringify(withAdapter) === JSON.stringify(mergedIds), " differs from base:", JSON.stringify(withAdapter) !== JSON.stringify(plain));
