using SharpLM.Core;
using SharpLM.Core.Models.Folder;
using SharpLM.Tokenizers.Bpe;

namespace SharpLM.Tokenizers.HuggingFace;

/// <summary>A model folder's tokenizer.json, checked to fit the model: every id it produces must have an embedding row.</summary>
public static class ModelFolderTokenizer
{
    public static BpeTokenizer Load(ModelFolder folder)
    {
        var tokenizer = TokenizerJson.Load(folder.TokenizerPath);
        if (folder.Config.VocabSize < tokenizer.VocabularySize)
            throw new SharpLMException($"{folder.Directory}: config.json has vocab_size {folder.Config.VocabSize} but tokenizer.json uses {tokenizer.VocabularySize} ids.");
        return tokenizer;
    }
}
