using Microsoft.Extensions.Logging;
using SharpLM.Serving.Tests;
using Microsoft.Playwright;
using SharpLM.Core.Models;
using SharpLM.Core.Models.Folder;
using SharpLM.Feedback.Capture;
using SharpLM.Tokenizers.Bpe;

namespace SharpLM.Serving.Browser.Tests;

/// <summary>
/// A server with two random-weight models ("tiny" and "small"), a key file and a capture database (so the page's
/// feedback is stored), and Debian's chromium driven by Playwright. Without chromium the fixture fails, saying how to install it: a browser test never skips silently.
/// </summary>
public sealed class PageFixture : IAsyncLifetime
{
    public const string Key = "sk-page-test";
    public const string Chromium = "/usr/bin/chromium";

    // The default model has a long context and never ends its turn (below), so only its token budget or Stop ends
    // an answer, and a long one outlasts any reaction to it.
    private static readonly LlamaConfig TinyConfig = LlamaConfig.Create(vocabSize: ServerFixture.Tokenizer.VocabularySize, hiddenSize: 64, layers: 2, heads: 4,
        keyValueHeads: 2, intermediateSize: 96, maxPositions: 32768);

    private static readonly LlamaConfig SmallConfig = LlamaConfig.Create(vocabSize: ServerFixture.Tokenizer.VocabularySize, hiddenSize: 32, layers: 1, heads: 2,
        keyValueHeads: 1, intermediateSize: 48, maxPositions: 512);

    private IPlaywright? _playwright;

    public SharpLMServer Server { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;
    public Uri Address => Server.Address;
    public string CaptureDatabase { get; } = Path.Combine(Directory.CreateTempSubdirectory("sharplm-page-").FullName, "capture.db");

    /// <summary>The feedback the server has stored, read from its capture database.</summary>
    public IReadOnlyList<StoredFeedback> StoredFeedback()
    {
        using var store = CaptureStore.Open(CaptureDatabase, create: false);
        return store.ReadFeedback();
    }

    public async Task InitializeAsync()
    {
        if (!File.Exists(Chromium))
            throw new InvalidOperationException($"{Chromium} is missing, and the browser tests drive it: install Debian's chromium with `sudo apt-get install -y chromium` (CI installs it; Playwright's own browser download is not used).");
        string tiny = ServerFixture.CreateModel(TinyConfig, NeverEndsItsTurn), small = ServerFixture.CreateModel(SmallConfig);
        string keys = tiny + ".keys";
        await File.WriteAllTextAsync(keys, Key + "\n");
        Server = await SharpLMServer.StartAsync(new ServerOptions
        {
            ModelDirectory = tiny, ModelId = "tiny", AdditionalModels = [new ModelSource(small, "small")], Port = 0, ApiKeyFile = keys, Parallel = 2, Threads = 1,
            CaptureDatabase = CaptureDatabase,
        }, logging => logging.SetMinimumLevel(LogLevel.Warning));
        await Server.Ready;
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = Chromium, Headless = true });
        // A loaded machine runs the page slowly; a wait is bounded, never a measure of speed.
        Assertions.SetDefaultExpectTimeout(30_000);
    }

    /// <summary>
    /// Zeroes the (tied) embedding rows of the end-of-turn and end-of-text tokens, so their logits are 0 while the
    /// largest of the other 298 random logits is positive at every step: greedy decoding never picks them.
    /// </summary>
    private static void NeverEndsItsTurn(string tensor, float[] values)
    {
        if (tensor != LlamaTensorNames.Embeddings) return;
        foreach (string special in new[] { SpecialTokens.TurnEnd, SpecialTokens.EndOfText })
            Array.Clear(values, ServerFixture.Tokenizer.Specials[special] * TinyConfig.HiddenSize, TinyConfig.HiddenSize);
    }

    /// <summary>A fresh browser profile (its own localStorage) on the page, with the key entered and the models listed.</summary>
    public async Task<IPage> OpenAsync(int width = 1280, int height = 800)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = Address.ToString(), ViewportSize = new ViewportSize { Width = width, Height = height } });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add(error);
        await page.GotoAsync("/");
        await page.GetByLabel("API key").FillAsync(Key);
        await page.GetByLabel("API key").PressAsync("Tab"); // "change" fires when the field is left
        await Assertions.Expect(page.Locator("#model-a option")).ToHaveCountAsync(2);
        Assert.Empty(errors);
        return page;
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.CloseAsync();
        _playwright?.Dispose();
        if (Server is not null) await Server.DisposeAsync();
    }
}
