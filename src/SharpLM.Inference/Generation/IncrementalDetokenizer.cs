using System.Text;
using SharpLM.Tokenizers.Bpe;

namespace SharpLM.Inference.Generation;

/// <summary>
/// Turns generated tokens into text as they come, decoding only each new token's bytes. A stateful UTF-8 decoder
/// keeps the bytes of a character split across tokens until it is whole, so the text never ends in half a
/// character, and the result equals decoding all tokens at once (invalid bytes become U+FFFD either way).
/// </summary>
public sealed class IncrementalDetokenizer(BpeTokenizer tokenizer)
{
    private readonly Decoder _decoder = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false).GetDecoder();
    private readonly List<byte> _bytes = new();
    private char[] _chars = new char[64];

    public StringBuilder Text { get; } = new();

    /// <summary>Adds one token; returns how many characters <see cref="Text"/> grew by.</summary>
    public int Append(int token)
    {
        tokenizer.AppendBytes(token, _bytes);
        return Decode(flush: false);
    }

    /// <summary>Ends the text: bytes of an unfinished character become U+FFFD. Returns how many characters were added.</summary>
    public int Flush() => Decode(flush: true);

    private int Decode(bool flush)
    {
        var bytes = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_bytes);
        int needed = _decoder.GetCharCount(bytes, flush);
        if (_chars.Length < needed) _chars = new char[Math.Max(needed, 2 * _chars.Length)];
        int count = _decoder.GetChars(bytes, _chars, flush);
        Text.Append(_chars, 0, count);
        _bytes.Clear(); // the decoder keeps the bytes of an unfinished character itself
        return count;
    }
}
