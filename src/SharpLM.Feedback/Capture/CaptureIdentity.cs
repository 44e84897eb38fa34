namespace SharpLM.Feedback.Capture;

/// <summary>
/// Who sent a request, as far as the capture keeps it: the fingerprint of the API key (the server's short hash,
/// never the key) and the caller's own user id (OpenAI's "user" field or the X-SharpLM-User header), which is
/// stored only as its SHA-256 so that a user id that is itself an e-mail address never reaches the file.
/// </summary>
public sealed record CaptureIdentity(string? KeyFingerprint, string? UserId)
{
    public static CaptureIdentity Anonymous { get; } = new(null, null);

    /// <summary>How a user id is stored and looked up: the lowercase hex SHA-256 of its UTF-8 bytes.</summary>
    public static string? HashUser(string? userId) => string.IsNullOrEmpty(userId) ? null
        : Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(userId)));
}
