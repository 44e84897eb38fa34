using System.Text.Json;
using SharpLM.Core.IO;

namespace SharpLM.Core.Formats.Chat;

/// <summary>
/// Reads preference data as TRL's DPO trainer takes it: <c>{"prompt", "chosen", "rejected"}</c>, each a string or a
/// message list. A string prompt is a user turn and string continuations are assistant turns. Without "prompt"
/// (TRL's implicit prompt), chosen and rejected are whole conversations and the prompt is the turns they share.
/// </summary>
public static class PreferenceJsonl
{
    public static IEnumerable<PreferenceExample> Read(string path)
    {
        foreach (var (number, utf8) in JsonlLines.Read(path, "preference JSONL"))
        {
            var fields = new ChatFields(path, number);
            using var document = ChatJsonl.Parse(utf8, fields);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw fields.LineError($"the line is {ChatFields.Kind(root)}, expected an object");
            var chosen = ChatJsonl.Side(fields.Required(root, "chosen", "chosen"), "chosen", ChatTurn.Assistant, fields);
            var rejected = ChatJsonl.Side(fields.Required(root, "rejected", "rejected"), "rejected", ChatTurn.Assistant, fields);
            List<ChatTurn> prompt;
            if (root.TryGetProperty("prompt", out var p) && p.ValueKind != JsonValueKind.Null)
                prompt = ChatJsonl.Side(p, "prompt", ChatTurn.User, fields);
            else
            {
                int shared = 0;
                while (shared < chosen.Count - 1 && shared < rejected.Count - 1 && chosen[shared] == rejected[shared]) shared++;
                if (shared == 0) throw fields.Error("prompt", "is missing and chosen and rejected share no leading turns to take it from");
                prompt = chosen[..shared];
                chosen = chosen[shared..];
                rejected = rejected[shared..];
            }
            if (chosen.Any(t => t.Role != ChatTurn.Assistant)) throw fields.Error("chosen", "holds a turn that is not the assistant's after the prompt");
            if (rejected.Any(t => t.Role != ChatTurn.Assistant)) throw fields.Error("rejected", "holds a turn that is not the assistant's after the prompt");
            yield return new PreferenceExample(prompt, chosen, rejected, number);
        }
    }
}
