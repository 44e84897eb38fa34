using SharpLM.Inference;
using SharpLM.PostTraining.Sft;

namespace SharpLM.PostTraining.Rl;

/// <summary>Teacher-forced log-probability of each scored target under the engine (0 where not scored), for the KL term's reference.</summary>
public static class EngineTokenLogps
{
    public static float[] Of(IDecoderSession session, TokenizedConversation sequence)
    {
        int vocab = session.VocabularySize;
        var logits = new float[sequence.Length * vocab];
        session.Truncate(0);
        session.Forward(sequence.Inputs, logits);
        var result = new float[sequence.Length];
        for (int i = 0; i < sequence.Length; i++)
        {
            if (!sequence.Supervised[i]) continue;
            var row = logits.AsSpan(i * vocab, vocab);
            float max = float.NegativeInfinity;
            foreach (float v in row) max = Math.Max(max, v);
            double total = 0;
            foreach (float v in row) total += Math.Exp(v - max);
            result[i] = (float)(row[sequence.Targets[i]] - max - Math.Log(total));
        }
        return result;
    }
}
