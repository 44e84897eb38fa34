// The server's OpenAI-shaped API as the page uses it: the models, streamed chat completions and feedback.
// The key is sent as a Bearer token on every call; the page itself is served without one.

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function headers(key) {
  const result = { "Content-Type": "application/json" };
  if (key) result.Authorization = `Bearer ${key}`;
  return result;
}

// An error answer's own message (OpenAI's {"error":{"message"}}), else the status line.
async function failure(response) {
  let message = `${response.status} ${response.statusText}`.trim();
  try {
    const body = await response.json();
    if (body?.error?.message) message = body.error.message;
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(response.status, message);
}

/** The ids of the models the server serves, the default first. */
export async function listModels(key) {
  const response = await fetch("/v1/models", { headers: headers(key) });
  if (!response.ok) throw await failure(response);
  const body = await response.json();
  return body.data.map(model => model.id);
}

/**
 * Streams one chat completion: `onDelta(text, id)` for each piece of the answer as it arrives. Resolves with the
 * completion's id, its finish reason and the whole text; rejects with an AbortError when `signal` aborts (the
 * server frees the slot when the connection closes). `conversation` names the conversation to a server that
 * captures exchanges, so they are filed with the feedback given on them.
 */
export async function streamChat(key, request, onDelta, signal, conversation) {
  const response = await fetch("/v1/chat/completions", {
    method: "POST",
    headers: { ...headers(key), "X-SharpLM-Conversation": conversation },
    body: JSON.stringify({ ...request, stream: true }),
    signal,
  });
  if (!response.ok) throw await failure(response);

  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let id = null;
  let finish = null;
  let text = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    // Server-sent events are separated by a blank line; the last piece may be an event still arriving.
    const events = buffer.split(/\r?\n\r?\n/);
    buffer = events.pop();
    for (const event of events) {
      const data = event.split(/\r?\n/).filter(line => line.startsWith("data:")).map(line => line.slice(5).trimStart()).join("\n");
      if (data === "") continue;
      if (data === "[DONE]") return { id, finish, text };
      const chunk = JSON.parse(data);
      if (chunk.error) throw new ApiError(500, chunk.error.message ?? "the stream failed");
      id ??= chunk.id;
      for (const choice of chunk.choices ?? []) {
        const delta = choice.delta?.content;
        if (delta) {
          text += delta;
          onDelta(delta, chunk.id);
        }
        if (choice.finish_reason) finish = choice.finish_reason;
      }
    }
  }
  throw new ApiError(502, "the stream ended before the server finished it");
}

/** Sends a rating, correction or pairwise choice to POST /v1/feedback; resolves with the stored feedback's id. */
export async function sendFeedback(key, feedback) {
  const response = await fetch("/v1/feedback", { method: "POST", headers: headers(key), body: JSON.stringify(feedback) });
  if (!response.ok) throw await failure(response);
  const body = await response.json();
  return body.id;
}
