using SharpLM.Core.Formats.Documents;

namespace SharpLM.Retrieval.Tests;

/// <summary>Small documents JSONL files in a temporary folder, deleted with it.</summary>
public sealed class TestCorpus : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("sharplm-rag-").FullName;

    public string Db => Path.Combine(Root, "rag.db");

    public static Document Doc(string id, string text) => new() { Id = id, Text = text, Source = $"test:{id}", License = "CC0-1.0" };

    public string Write(string name, params Document[] documents)
    {
        string path = Path.Combine(Root, name);
        DocumentJsonl.Write(path, documents);
        return path;
    }

    public static Document[] Speeches() =>
    [
        Doc("a", "The tariff on imported iron protects our manufacturers. Revenue from the tariff pays the public debt."),
        Doc("b", "Our army on the western frontier keeps the peace with the Indian tribes.\n\nThe army needs new forts and roads."),
        Doc("c", "The navy has launched six new frigates this year. Commerce on the seas is safe from pirates."),
        Doc("d", "Education of the young is the duty of every state. Schools and colleges deserve public support."),
        Doc("e", "The public debt has fallen by ten millions. The treasury holds a surplus of revenue."),
        Doc("f", "Railroads now cross the continent from ocean to ocean, carrying mail and settlers west."),
        Doc("g", "Slavery is a stain upon the nation, and the war has ended it forever."),
        Doc("h", "The postal service delivers mail to every town; its revenue covers its cost."),
    ];

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
