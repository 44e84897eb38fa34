// Conversations kept in the browser (localStorage), newest first; the server keeps none.
// A conversation: { id, title, created, messages: [{ id, role, content, model?, rating?, correction?, stopped? }] }.

const conversationsKey = "sharplm.conversations";
const activeKey = "sharplm.active";

/** A random id; crypto.getRandomValues works on plain-HTTP pages too, where crypto.randomUUID is missing. */
export function newId(prefix) {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return prefix + Array.from(bytes, b => b.toString(16).padStart(2, "0")).join("");
}

export function loadConversations() {
  try {
    const stored = JSON.parse(localStorage.getItem(conversationsKey) ?? "[]");
    return Array.isArray(stored) ? stored : [];
  } catch {
    return []; // a damaged entry must not lock the page
  }
}

export function saveConversations(conversations) {
  localStorage.setItem(conversationsKey, JSON.stringify(conversations));
}

export function activeConversationId() {
  return localStorage.getItem(activeKey);
}

export function setActiveConversationId(id) {
  if (id) localStorage.setItem(activeKey, id);
  else localStorage.removeItem(activeKey);
}

export function newConversation() {
  return { id: newId("conv_"), title: "New conversation", created: Date.now(), messages: [] };
}

/** A title from the first user message, short enough for the list. */
export function titleFrom(text) {
  const line = text.trim().split(/\r?\n/)[0];
  return line.length > 40 ? `${line.slice(0, 39)}…` : line || "New conversation";
}
