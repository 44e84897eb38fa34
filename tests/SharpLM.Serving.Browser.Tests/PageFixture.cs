using Microsoft.Extensions.Logging;
using SharpLM.Serving.Tests;
using Microsoft.Playwright;
using SharpLM.Core.Models;
using SharpLM.Feedback.Capture;

namespace SharpLM.Serving.Browser.Tests;

/// <summary>
/// A server with two random-weight models ("tiny" and "small"), a key file and a capture database (so the page's
/// feedback is stored), and Debian's chromium driven by Playwright. Without chromium the fixture fails, saying how to install it: a browser test never skips silently.
/// </summary>
public sealed class PageFixture : IAsyncLifetime
{
    public const string Key = "sk-page-test";
    public const string Chromium = "/usr/bin/chromium";

    private static readonly LlamaConfig SmallConfig = LlamaConfig.Create(vocabSize: ServerFixture.Tokenizer.VocabularySize, hiddenSize: 32, layers: 1, heads: 2,
        keyValueHeads: 1, intermediateSize: 48, maxPositions: 512);

    private IPlaywright? _playwright;

    public SharpLMServer Server { get; private set; } = null!;
    /// <summary>The server's warnings and errors, for a failing test to show.</summary>
    public CapturedLogs ServerLogs { get; } = new();
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
        // The default model never ends its turn, so only its token budget or Stop ends an answer.
        string tiny = ServerFixture.CreateEndlessModel(), small = ServerFixture.CreateModel(SmallConfig);
        string keys = tiny + ".keys";
        await File.WriteAllTextAsync(keys, Key + "\n");
        Server = await SharpLMServer.StartAsync(new ServerOptions
        {
            ModelDirectory = tiny, ModelId = "tiny", AdditionalModels = [new ModelSource(small, "small")], Port = 0, ApiKeyFile = keys, Parallel = 2, Threads = 1,
            CaptureDatabase = CaptureDatabase,
        }, logging => logging.AddProvider(ServerLogs).SetMinimumLevel(LogLevel.Warning));
        await Server.Ready;
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = Chromium, Headless = true });
        // A loaded machine runs the page slowly; a wait is bounded, never a measure of speed.
        Assertions.SetDefaultExpectTimeout(30_000);
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
