using SharpLM.Core.Models.Folder;
using SharpLM.Inference;
using SharpLM.Inference.Constraints;
using SharpLM.Inference.Generation;
using SharpLM.Tokenizers.Bpe;
using SharpLM.Tokenizers.Chat;
using SharpLM.Tokenizers.HuggingFace;

namespace SharpLM.Safety.Judges;

/// <summary>
/// A guard model (Llama Guard or any model tuned on its layout) as a judge, run on the C# engine: the exchange goes in
/// as Llama Guard's classification prompt (inside the model's chat template when it has one), and the engine's
/// constrained decoder forces the answer into <see cref="LlamaGuardPrompt.AnswerPattern"/>, so every verdict parses.
/// Greedy, so a verdict is reproducible. One engine session, used by one caller at a time.
/// </summary>
public sealed class GuardModelJudge : IResponseJudge
{
    private const int MaxAnswerTokens = 32;
    private readonly IDecoderSession _session;
    private readonly BpeTokenizer _tokenizer;
    private readonly TokenTrie _trie;
    private readonly ChatTemplate? _template;
    private readonly Lock _lock = new();

    public GuardModelJudge(IDecoderSession session, BpeTokenizer tokenizer)
    {
        _session = session;
        _tokenizer = tokenizer;
        _trie = new TokenTrie(tokenizer);
        _template = tokenizer.Specials.ContainsKey(SpecialTokens.TurnStart) && tokenizer.Specials.ContainsKey(SpecialTokens.TurnEnd) ? new ChatTemplate(tokenizer) : null;
    }

    public static GuardModelJudge Load(string directory, int threads)
    {
        var folder = ModelFolder.Open(directory);
        return new GuardModelJudge(EngineModel.Load(folder).NewSession(threads), ModelFolderTokenizer.Load(folder));
    }

    public string Detector => "sharplm.LlamaGuard";

    /// <summary>The guard's raw answer, always a word of the grammar (or its prefix when the token budget ran out).</summary>
    public string Classify(string prompt, string response)
    {
        var ids = Encode(prompt, response);
        // A long answer is cut from its end until the task fits the guard's context: its start carries the verdict.
        for (int keep = response.Length / 2; ids.Count > _session.MaxPositions - MaxAnswerTokens && keep > 0; keep /= 2)
            ids = Encode(prompt, response[..keep]);
        var options = new SamplingOptions { Temperature = 0, MaxNewTokens = MaxAnswerTokens, Seed = 0 };
        lock (_lock)
        {
            var context = GenerationSequence.PrepareContext(_tokenizer, ids, _session.MaxPositions - MaxAnswerTokens);
            var constraint = OutputConstraints.Regex(_trie, LlamaGuardPrompt.AnswerPattern);
            return TextGenerator.Generate(new SessionLogitsSource(_session), _tokenizer, context, options, constraint: constraint).Text;
        }
    }

    private IReadOnlyList<int> Encode(string prompt, string response)
    {
        string task = LlamaGuardPrompt.Build(prompt, response);
        return _template is null ? _tokenizer.Encode(task) : _template.Render([new ChatMessage(ChatMessage.User, task)], addGenerationPrompt: true).Ids;
    }

    public JudgeVerdict Judge(string prompt, string response) => LlamaGuardPrompt.Parse(Classify(prompt, response));
}
