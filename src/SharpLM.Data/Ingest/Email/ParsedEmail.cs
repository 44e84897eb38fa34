namespace SharpLM.Data.Ingest.Email;

/// <summary>
/// The readable content of an e-mail message. Addresses and other headers are deliberately not kept: they are
/// personal data and no use for language modelling.
/// </summary>
/// <param name="Subject">Decoded Subject header (RFC 2047 encoded-words resolved, whitespace collapsed), null when absent.</param>
/// <param name="ContentType">The top-level media type in lowercase ("text/plain", "multipart/alternative"...).</param>
/// <param name="Text">The body text: text/plain parts as they are, text/html parts reduced to text; empty when the
/// message has no text part.</param>
/// <param name="ReplacementCharacters">Invalid byte sequences replaced by U+FFFD while decoding the text parts.</param>
public sealed record ParsedEmail(string? Subject, string ContentType, string Text, int ReplacementCharacters);
