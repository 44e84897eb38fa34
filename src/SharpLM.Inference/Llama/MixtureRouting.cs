using System.Numerics.Tensors;

namespace SharpLM.Inference.Llama;

/// <summary>
/// Mixtral's sparse feed-forward at inference (dropless): router softmax over the experts, the top k per row,
/// their probabilities renormalised to sum to 1 weighting the experts' outputs. The rows routed to one expert are
/// gathered and run through it as one block, so each expert's weights are read once per block.
/// </summary>
internal sealed class MixtureRouting(int experts, int perToken, int capacity, int dim)
{
    private readonly float[] _routerLogits = new float[capacity * experts];
    private readonly int[] _chosen = new int[capacity * perToken];
    private readonly float[] _chosenWeights = new float[capacity * perToken];
    private readonly float[] _gathered = new float[capacity * dim], _expertOutput = new float[capacity * dim];
    private readonly int[] _gatheredRows = new int[capacity];
    private readonly float[] _gatheredWeights = new float[capacity];

    public void Run(LlamaLayerWeights w, LlamaForwardPass pass, float[] input, float[] output, int n)
    {
        pass.Products.Multiply(w.Router!, input, _routerLogits, n);
        for (int i = 0; i < n; i++)
        {
            var probabilities = _routerLogits.AsSpan(i * experts, experts);
            TensorPrimitives.SoftMax(probabilities, probabilities);
            float total = 0;
            for (int k = 0; k < perToken; k++)
            {
                int best = -1;
                for (int e = 0; e < experts; e++)
                    if ((best < 0 || probabilities[e] > probabilities[best]) && !Taken(i, k, e)) best = e;
                _chosen[i * perToken + k] = best;
                _chosenWeights[i * perToken + k] = probabilities[best];
                total += probabilities[best];
            }
            for (int k = 0; k < perToken; k++) _chosenWeights[i * perToken + k] /= total;
        }
        output.AsSpan(0, n * dim).Clear();
        for (int e = 0; e < experts; e++)
        {
            int m = 0;
            for (int i = 0; i < n; i++)
                for (int k = 0; k < perToken; k++)
                    if (_chosen[i * perToken + k] == e)
                    {
                        input.AsSpan(i * dim, dim).CopyTo(_gathered.AsSpan(m * dim, dim));
                        _gatheredRows[m] = i;
                        _gatheredWeights[m++] = _chosenWeights[i * perToken + k];
                    }
            if (m == 0) continue;
            pass.FeedForward(w.FeedForwards[e], _gathered, _expertOutput, m);
            for (int j = 0; j < m; j++)
            {
                var target = output.AsSpan(_gatheredRows[j] * dim, dim);
                TensorPrimitives.MultiplyAdd(_expertOutput.AsSpan(j * dim, dim), _gatheredWeights[j], target, target);
            }
        }
    }

    private bool Taken(int row, int upTo, int expert)
    {
        for (int k = 0; k < upTo; k++) if (_chosen[row * perToken + k] == expert) return true;
        return false;
    }
}
