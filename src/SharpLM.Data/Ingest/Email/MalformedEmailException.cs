namespace SharpLM.Data.Ingest.Email;

/// <summary>The bytes are not an RFC 5322 message that can be read (no header block, a multipart without its boundary...).</summary>
public sealed class MalformedEmailException(string message) : Exception(message);
