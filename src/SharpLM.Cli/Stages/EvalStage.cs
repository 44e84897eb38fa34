using SharpLM.Cli.Terminal;
using SharpLM.Core.Formats.TokenShards;
using SharpLM.Training.Evaluation;
using SharpLM.Training.Modeling;

namespace SharpLM.Cli.Stages;

public static class EvalStage
{
    public static PerplexityResult Perplexity(CausalLanguageModel model, TokenShardReader shard, int? context, long maxTokens)
    {
        TokenShardStatistics.RequireIdsBelow(shard, model.Config.VocabSize);
        int window = PerplexityWindow.Resolve(context, maxTokens, model.Config.MaxPositionEmbeddings);
        long total = Math.Min(shard.TokenCount - 1, maxTokens);
        return Display.Progress("perplexity", total, sink =>
            PerplexityEvaluator.Evaluate(model, shard, window, maxTokens, progress: new ImmediateProgress<long>(n => sink.Report(n, $"{n:N0} tokens"))));
    }
}
