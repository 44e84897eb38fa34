// The chat and annotation page: one conversation at a time (kept in localStorage), or one prompt answered by two
// models side by side; answers stream in and can be rated, corrected or compared, which is sent to /v1/feedback.
import { listModels, sendFeedback, streamChat } from "./api.js";
import { renderMarkdown } from "./markdown.js";
import {
  activeConversationId, loadConversations, newConversation, newId, saveConversations, setActiveConversationId, titleFrom,
} from "./store.js";

const $ = id => document.getElementById(id);
const keyField = $("api-key");
const promptField = $("prompt");
const sendButton = $("send");
const stopButton = $("stop");
const statusLine = $("status");
const messageList = $("messages");
const conversationList = $("conversation-list");
const modelA = $("model-a");
const modelB = $("model-b");
const settingsKey = "sharplm.settings";
const settingFields = ["system-prompt", "temperature", "top-p", "max-tokens", "seed"];

let conversations = loadConversations();
let active = conversations.find(c => c.id === activeConversationId()) ?? null;
let mode = "chat";
let running = null; // the AbortController of the generation in flight
let comparison = null; // { conversation_id, prompt, a: { model, response }, b: { model, response } }

function say(text) {
  statusLine.textContent = text;
}

function apiKey() {
  return keyField.value.trim();
}

// ---- settings -------------------------------------------------------------------------------------------------

function restoreSettings() {
  keyField.value = sessionStorage.getItem("sharplm.key") ?? "";
  let stored = {};
  try {
    stored = JSON.parse(localStorage.getItem(settingsKey) ?? "{}") ?? {};
  } catch {
    stored = {};
  }
  for (const id of settingFields) if (typeof stored[id] === "string") $(id).value = stored[id];
}

function storeSettings() {
  const values = Object.fromEntries(settingFields.map(id => [id, $(id).value]));
  localStorage.setItem(settingsKey, JSON.stringify(values));
}

/** The request's sampling fields from the settings; an empty field is left to the server's default. */
function sampling() {
  const fields = {};
  const number = (id, name, parse) => {
    const text = $(id).value.trim();
    if (text !== "" && Number.isFinite(parse(text))) fields[name] = parse(text);
  };
  number("temperature", "temperature", Number);
  number("top-p", "top_p", Number);
  number("max-tokens", "max_tokens", text => Number.parseInt(text, 10));
  number("seed", "seed", text => Number.parseInt(text, 10));
  return fields;
}

function systemMessages() {
  const system = $("system-prompt").value.trim();
  return system ? [{ role: "system", content: system }] : [];
}

async function refreshModels() {
  try {
    const models = await listModels(apiKey());
    for (const [select, preferred] of [[modelA, 0], [modelB, 1]]) {
      const previous = select.value;
      select.replaceChildren(...models.map(id => new Option(id, id)));
      select.value = models.includes(previous) ? previous : models[Math.min(preferred, models.length - 1)];
    }
    say(models.length > 1 ? `${models.length} models available.` : `Model ${models[0]} ready.`);
  } catch (error) {
    say(error.status === 401 ? "The server refused the API key: enter a key from its key file." : `Could not list the models: ${error.message}`);
  }
}

// ---- busy state -------------------------------------------------------------------------------------------------

function setBusy(controller) {
  running = controller;
  sendButton.disabled = controller !== null;
  stopButton.disabled = controller === null;
  document.body.dataset.busy = controller ? "true" : "false";
}

function stop() {
  running?.abort();
}

// ---- conversations -------------------------------------------------------------------------------------------

function persist() {
  saveConversations(conversations);
  setActiveConversationId(active?.id ?? null);
}

function renderConversationList() {
  conversationList.replaceChildren(...conversations.map(conversation => {
    const item = document.createElement("li");
    const open = document.createElement("button");
    open.type = "button";
    open.className = "open";
    open.textContent = conversation.title;
    if (conversation === active) open.setAttribute("aria-current", "true");
    open.addEventListener("click", () => {
      if (running) return;
      active = conversation;
      persist();
      renderAll();
      promptField.focus();
    });
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "delete";
    remove.textContent = "×";
    remove.setAttribute("aria-label", `Delete conversation: ${conversation.title}`);
    remove.addEventListener("click", () => {
      if (running && conversation === active) return;
      conversations = conversations.filter(c => c !== conversation);
      if (active === conversation) active = null;
      persist();
      renderAll();
      say("Conversation deleted.");
    });
    item.append(open, remove);
    return item;
  }));
}

function renderMessages() {
  messageList.replaceChildren(...(active?.messages ?? []).map(message => messageElement(active, message)));
}

function renderAll() {
  renderConversationList();
  renderMessages();
}

/** The messages a request sends for the answer at `index` (everything before it, after the system prompt). */
function promptBefore(conversation, index) {
  const system = conversation.system ? [{ role: "system", content: conversation.system }] : [];
  return [...system, ...conversation.messages.slice(0, index).filter(m => !m.error || m.content).map(m => ({ role: m.role, content: m.content }))];
}

function fillContent(element, message) {
  element.innerHTML = renderMarkdown(message.content);
  if (message.error) {
    const note = document.createElement("p");
    note.className = "error";
    note.textContent = message.error;
    element.append(note);
  }
  if (message.stopped) {
    const note = document.createElement("p");
    note.className = "note";
    note.textContent = "Stopped.";
    element.append(note);
  }
}

function messageElement(conversation, message) {
  const item = document.createElement("li");
  item.className = `message ${message.role}`;
  item.dataset.id = message.id;
  item.dataset.state = message.state ?? "done";
  const meta = document.createElement("div");
  meta.className = "meta";
  meta.textContent = message.role === "user" ? "You" : `Assistant${message.model ? ` · ${message.model}` : ""}`;
  const content = document.createElement("div");
  content.className = "content";
  fillContent(content, message);
  item.append(meta, content);
  if (message.role === "assistant") {
    // The answer being written is a live region, busy until it ends, so a screen reader reads it once, whole.
    content.setAttribute("aria-live", "polite");
    content.setAttribute("aria-busy", message.state === "streaming" ? "true" : "false");
    if (message.state !== "streaming" && message.content) item.append(feedbackControls(conversation, message));
  }
  return item;
}

function feedbackControls(conversation, message) {
  const controls = document.createElement("div");
  controls.className = "feedback";
  const group = document.createElement("div");
  group.setAttribute("role", "group");
  group.setAttribute("aria-label", "Rate this answer");
  // Words rather than thumb emoji: not every system (a headless browser, a minimal Linux) has an emoji font.
  const thumb = (rating, text, label) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "rate";
    button.textContent = text;
    button.setAttribute("aria-label", label);
    button.setAttribute("aria-pressed", message.rating === rating ? "true" : "false");
    button.addEventListener("click", () => rate(conversation, message, rating, message.correction));
    return button;
  };
  const formId = `correction-${message.id}`;
  const correct = document.createElement("button");
  correct.type = "button";
  correct.className = "correct";
  correct.textContent = "Suggest a correction";
  correct.setAttribute("aria-expanded", "false");
  correct.setAttribute("aria-controls", formId);
  group.append(thumb(1, "▲ Good", "Good answer"), thumb(-1, "▼ Bad", "Bad answer"), correct);

  const form = document.createElement("form");
  form.className = "correction";
  form.id = formId;
  form.hidden = true;
  const label = document.createElement("label");
  label.htmlFor = `${formId}-text`;
  label.textContent = "A better answer";
  const text = document.createElement("textarea");
  text.id = `${formId}-text`;
  text.rows = 3;
  text.value = message.correction ?? message.content;
  const save = document.createElement("button");
  save.type = "submit";
  save.textContent = "Send correction";
  form.append(label, text, save);
  correct.addEventListener("click", () => {
    form.hidden = !form.hidden;
    correct.setAttribute("aria-expanded", form.hidden ? "false" : "true");
    if (!form.hidden) text.focus();
  });
  form.addEventListener("submit", event => {
    event.preventDefault();
    // A correction says the answer fell short, so it goes with a thumbs down unless the answer was rated already.
    rate(conversation, message, message.rating ?? -1, text.value.trim() || undefined);
  });
  controls.append(group, form);
  return controls;
}

async function rate(conversation, message, rating, correction) {
  const index = conversation.messages.indexOf(message);
  const feedback = {
    kind: "rating",
    conversation_id: conversation.id,
    message_id: message.id,
    model: message.model,
    prompt: promptBefore(conversation, index),
    response: message.content,
    rating,
  };
  if (correction) feedback.correction = correction;
  try {
    await sendFeedback(apiKey(), feedback);
    message.rating = rating;
    if (correction) message.correction = correction;
    persist();
    renderMessages();
    say(correction ? "Correction sent." : rating > 0 ? "Rated as good." : "Rated as bad.");
  } catch (error) {
    say(`Feedback was not saved: ${error.message}`);
  }
}

/**
 * `draw` at the next frame, however many times this is called before it: a fast stream delivers many tokens per
 * frame, and redrawing the whole answer for each would grow with the square of its length and freeze the page.
 */
function onNextFrame(draw) {
  let pending = false;
  return () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      draw();
    });
  };
}

// ---- chat -------------------------------------------------------------------------------------------------------

async function sendChat(text) {
  if (!active) {
    active = newConversation();
    conversations.unshift(active);
  }
  const conversation = active;
  if (conversation.messages.length === 0) conversation.title = titleFrom(text);
  conversation.system = $("system-prompt").value.trim();
  conversation.messages.push({ id: newId("msg_"), role: "user", content: text });
  const answer = { id: newId("msg_"), role: "assistant", content: "", model: modelA.value, state: "streaming" };
  const request = { model: modelA.value, messages: promptBefore(conversation, conversation.messages.length), ...sampling() };
  conversation.messages.push(answer);
  persist();
  renderAll();

  const element = messageList.lastElementChild;
  const content = element.querySelector(".content");
  const controller = new AbortController();
  setBusy(controller);
  say("Answering…");
  try {
    const redraw = onNextFrame(() => {
      content.innerHTML = renderMarkdown(answer.content);
      element.scrollIntoView({ block: "end" });
    });
    const result = await streamChat(apiKey(), request, (delta, id) => {
      answer.content += delta;
      if (id) answer.id = id;
      redraw();
    }, controller.signal, conversation.id);
    answer.id = result.id ?? answer.id;
    say(result.finish === "length" ? "Answer complete (it reached the token limit)." : "Answer complete.");
  } catch (error) {
    if (error.name === "AbortError") {
      answer.stopped = true;
      say("Stopped.");
    } else {
      answer.error = error.message;
      say(`The request failed: ${error.message}`);
    }
  } finally {
    answer.state = "done";
    setBusy(null);
    persist();
    renderMessages();
    messageList.lastElementChild?.scrollIntoView({ block: "end" });
    promptField.focus();
  }
}

// ---- side by side ---------------------------------------------------------------------------------------------

const choiceButtons = () => [...document.querySelectorAll("#compare-choice button")];

async function sendComparison(text) {
  const prompt = [...systemMessages(), { role: "user", content: text }];
  const sides = { a: { model: modelA.value, response: "" }, b: { model: modelB.value, response: "" } };
  const conversationId = newId("cmp_");
  comparison = null;
  for (const button of choiceButtons()) {
    button.disabled = true;
    button.setAttribute("aria-pressed", "false");
  }
  const controller = new AbortController();
  setBusy(controller);
  say("Both models are answering…");
  const stream = side => {
    const element = $(`compare-${side}`);
    $(`compare-name-${side}`).textContent = sides[side].model;
    element.replaceChildren();
    element.dataset.state = "streaming";
    element.setAttribute("aria-busy", "true");
    const redraw = onNextFrame(() => {
      element.innerHTML = renderMarkdown(sides[side].response);
    });
    return streamChat(apiKey(), { model: sides[side].model, messages: prompt, ...sampling() }, delta => {
      sides[side].response += delta;
      redraw();
    }, controller.signal, conversationId).finally(() => {
      element.innerHTML = renderMarkdown(sides[side].response);
      element.dataset.state = "done";
      element.setAttribute("aria-busy", "false");
    });
  };
  const results = await Promise.allSettled([stream("a"), stream("b")]);
  setBusy(null);
  const failed = results.find(r => r.status === "rejected");
  if (!failed) {
    comparison = { conversation_id: conversationId, prompt, a: sides.a, b: sides.b };
    for (const button of choiceButtons()) button.disabled = false;
    say("Both answers are in: which is better?");
    choiceButtons()[0].focus();
  } else if (failed.reason?.name === "AbortError") {
    say("Stopped.");
    promptField.focus();
  } else {
    say(`The request failed: ${failed.reason?.message ?? failed.reason}`);
    promptField.focus();
  }
}

async function choose(preferred) {
  if (!comparison) return;
  try {
    await sendFeedback(apiKey(), { kind: "pairwise", ...comparison, preferred });
    for (const button of choiceButtons()) button.setAttribute("aria-pressed", button.dataset.preferred === preferred ? "true" : "false");
    say(preferred === "tie" ? "Saved: a tie." : `Saved: ${preferred.toUpperCase()} is better.`);
  } catch (error) {
    say(`The choice was not saved: ${error.message}`);
  }
}

// ---- wiring -----------------------------------------------------------------------------------------------------

function setMode(next) {
  mode = next;
  $("mode-chat").setAttribute("aria-pressed", mode === "chat" ? "true" : "false");
  $("mode-compare").setAttribute("aria-pressed", mode === "compare" ? "true" : "false");
  $("chat-view").hidden = mode !== "chat";
  $("compare-view").hidden = mode !== "compare";
  document.body.classList.toggle("comparing", mode === "compare");
}

function submit() {
  const text = promptField.value.trim();
  if (!text || running) return;
  promptField.value = "";
  if (mode === "compare") sendComparison(text);
  else sendChat(text);
}

$("composer").addEventListener("submit", event => {
  event.preventDefault();
  submit();
});
promptField.addEventListener("keydown", event => {
  // Enter sends and Shift+Enter starts a new line; an Enter that ends an IME composition only confirms it.
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    submit();
  }
});
document.addEventListener("keydown", event => {
  if (event.key === "Escape" && running) {
    event.preventDefault();
    stop();
  }
});
stopButton.addEventListener("click", stop);
$("new-conversation").addEventListener("click", () => {
  if (running) return;
  active = null;
  persist();
  renderAll();
  setMode("chat");
  promptField.focus();
});
$("mode-chat").addEventListener("click", () => setMode("chat"));
$("mode-compare").addEventListener("click", () => setMode("compare"));
for (const button of choiceButtons()) button.addEventListener("click", () => choose(button.dataset.preferred));
keyField.addEventListener("change", () => {
  sessionStorage.setItem("sharplm.key", apiKey());
  refreshModels();
});
for (const id of settingFields) $(id).addEventListener("change", storeSettings);

restoreSettings();
setBusy(null);
setMode("chat");
renderAll();
refreshModels();
