namespace SharpLM.Serving.Api;

/// <summary>Checks a prompt against the model before it is queued: a prompt the context cannot hold is the client's error (400).</summary>
public static class Prompts
{
    public static List<int> Check(ServedModel model, IReadOnlyList<int> prompt, string field)
    {
        try
        {
            return Inference.Generation.GenerationSequence.PrepareContext(model.Tokenizer, prompt, model.MaxContext);
        }
        catch (Core.SharpLMException e)
        {
            throw new RequestError(400, e.Message, field, code: "context_length_exceeded");
        }
    }
}
