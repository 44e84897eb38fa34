using System.CommandLine;

namespace SharpLM.Cli.Terminal;

/// <summary>
/// Lets options whose values are text take any text. The parser reads a value that looks like an option ("-h", "--"),
/// or the empty value of "--text=", as something else; joining each text option to its value as "--text=VALUE"
/// before parsing makes "--text X", "--text=X" and "--text ''" mean the same for every X.
/// </summary>
public static class TextArguments
{
    public static string[] Join(Command root, IReadOnlyList<string> args)
    {
        var joined = new List<string>(args.Count);
        Command current = root;
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg == "--")
            {
                // After the delimiter every token is an argument, as the parser reads it.
                joined.AddRange(args.Skip(i));
                break;
            }
            if (current.Subcommands.FirstOrDefault(c => c.Name == arg || c.Aliases.Contains(arg)) is { } subcommand)
            {
                current = subcommand;
                joined.Add(arg);
                continue;
            }
            int equals = arg.IndexOf('=');
            string name = equals > 0 ? arg[..equals] : arg;
            if (!IsTextOption(current, name))
            {
                joined.Add(arg);
                continue;
            }
            string? value = equals > 0 ? arg[(equals + 1)..] : i + 1 < args.Count ? args[++i] : null;
            // The parser splits "--text=" into the option and no value at all, so the empty value travels on its own.
            if (value is null) joined.Add(arg);
            else if (value.Length == 0) joined.AddRange([name, ""]);
            else joined.Add($"{name}={value}");
        }
        return [.. joined];
    }

    private static bool IsTextOption(Command command, string name) =>
        command.Options.Any(o => (o.Name == name || o.Aliases.Contains(name)) && (o.ValueType == typeof(string) || o.ValueType == typeof(string[])));
}
