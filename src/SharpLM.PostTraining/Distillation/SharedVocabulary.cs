using SharpLM.Core;
using SharpLM.Tokenizers.Bpe;

namespace SharpLM.PostTraining.Distillation;

/// <summary>
/// Distillation compares the two models' distributions token id by token id, so teacher and student must have one
/// vocabulary: the same tokens under the same ids, and as many logits.
/// </summary>
public static class SharedVocabulary
{
    public static void Require(string teacherFile, BpeTokenizer teacher, string studentFile, BpeTokenizer student)
    {
        string? difference = teacher.VocabularySize != student.VocabularySize
            ? $"{teacher.VocabularySize} ids in the teacher's, {student.VocabularySize} in the student's"
            : FirstDifferentToken(teacher, student);
        difference ??= teacher.Merges.SequenceEqual(student.Merges) ? null : "the same tokens but different merges";
        if (difference is not null)
            throw new SharpLMException($"{teacherFile} and {studentFile} are different vocabularies ({difference}); the student must use the teacher's tokenizer.");
    }

    public static void RequireSameLogits(string teacherConfig, int teacherVocabSize, string student, int studentVocabSize)
    {
        if (teacherVocabSize != studentVocabSize)
            throw new SharpLMException($"{teacherConfig} has vocab_size {teacherVocabSize} but the student ({student}) has {studentVocabSize}; distillation needs one vocabulary.");
    }

    private static string? FirstDifferentToken(BpeTokenizer teacher, BpeTokenizer student)
    {
        foreach (var (token, id) in teacher.Vocabulary.Concat(teacher.Specials).OrderBy(p => p.Value))
        {
            int? other = student.Vocabulary.TryGetValue(token, out int a) ? a : student.Specials.TryGetValue(token, out int b) ? b : null;
            if (other != id) return $"token {id} is '{token}' in the teacher's, " + (other is null ? "absent from the student's" : $"id {other} in the student's");
        }
        return null;
    }
}
