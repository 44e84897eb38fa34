using System.CommandLine;
using System.Text.Json;
using SharpLM.Cli.Commands;
using SharpLM.Serving.Configuration;
using YamlDotNet.RepresentationModel;

namespace SharpLM.Cli.Tests.Deploy;

/// <summary>
/// The Dockerfile, the Helm chart and the plain Kubernetes manifests, checked without docker, helm or a cluster:
/// every YAML file parses, the chart renders from values.yaml (<see cref="ChartRenderer"/>), and what the pods run
/// parses as the CLI's real commands, the server's settings load, probes and ports line up.
/// </summary>
public class DeploymentFilesTests
{
    private static readonly string Root = FindRoot();
    private static string Chart => Path.Combine(Root, "deploy", "helm", "sharplm");

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "SharpLM.slnx"))) return directory.FullName;
        throw new InvalidOperationException("the repository root (SharpLM.slnx) is not above the test binaries.");
    }

    /// <summary>Every template rendered with values.yaml plus <paramref name="overrides"/>, as parsed documents by kind.</summary>
    private static Dictionary<string, YamlMappingNode> Render(params (string, string)[] overrides)
    {
        var values = ChartRenderer.LoadValues(Path.Combine(Chart, "values.yaml"), overrides);
        var documents = new Dictionary<string, YamlMappingNode>();
        foreach (string template in Directory.GetFiles(Path.Combine(Chart, "templates"), "*.yaml").Order())
        {
            string text = ChartRenderer.Render(File.ReadAllText(template), values, "sharplm", template);
            foreach (var document in Parse(text, template)) documents.Add(Scalar(document, "kind"), document);
        }
        return documents;
    }

    private static List<YamlMappingNode> Parse(string text, string file)
    {
        var stream = new YamlStream();
        try { stream.Load(new StringReader(text)); }
        catch (YamlDotNet.Core.YamlException e) { throw new InvalidDataException($"{file}: {e.Message}", e); }
        return stream.Documents.Where(d => d.RootNode is YamlMappingNode { Children.Count: > 0 }).Select(d => (YamlMappingNode)d.RootNode).ToList();
    }

    private static YamlNode At(YamlNode node, string path)
    {
        foreach (string part in path.Split('.'))
            node = int.TryParse(part, out int index) ? ((YamlSequenceNode)node).Children[index] : ((YamlMappingNode)node).Children[new YamlScalarNode(part)];
        return node;
    }

    private static string Scalar(YamlNode node, string path) => ((YamlScalarNode)At(node, path)).Value!;

    private static string[] Strings(YamlNode node, string path) => ((YamlSequenceNode)At(node, path)).Children.Select(c => ((YamlScalarNode)c).Value!).ToArray();

    /// <summary>Parses arguments with the CLI's own command definitions; returns the errors (none for a valid command line).</summary>
    private static IReadOnlyList<string> ParseErrors(params string[] args)
    {
        var root = new RootCommand { ServeCommand.Create(), DataCommands.Create(), PretrainCommand.Create() };
        return root.Parse(args).Errors.Select(e => e.Message).ToList();
    }

    [Fact]
    public void Every_yaml_file_under_deploy_parses()
    {
        var files = Directory.GetFiles(Path.Combine(Root, "deploy"), "*.yaml", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}templates{Path.DirectorySeparatorChar}")).ToList();
        Assert.True(files.Count >= 5, $"found only {files.Count} files");
        foreach (string file in files) Assert.NotEmpty(Parse(File.ReadAllText(file), file));
        Assert.Equal("v2", Scalar(Parse(File.ReadAllText(Path.Combine(Chart, "Chart.yaml")), "Chart.yaml")[0], "apiVersion"));
    }

    [Fact]
    public void The_serve_deployment_runs_a_real_command_with_probes_on_health_and_settings_that_load()
    {
        var documents = Render();
        var deployment = documents["Deployment"];
        var container = At(deployment, "spec.template.spec.containers.0");
        Assert.Equal("sharplm:0.1.0", Scalar(container, "image"));
        string[] args = Strings(container, "args");
        Assert.Equal("serve", args[0]);
        Assert.Empty(ParseErrors(args));
        Assert.Equal("8080", Scalar(container, "ports.0.containerPort"));
        string port = Scalar(container, "ports.0.name");
        foreach (string probe in new[] { "readinessProbe", "livenessProbe" })
        {
            Assert.Equal("/health", Scalar(container, $"{probe}.httpGet.path"));
            Assert.Equal(port, Scalar(container, $"{probe}.httpGet.port"));
        }
        Assert.Equal("true", Scalar(deployment, "spec.template.spec.securityContext.runAsNonRoot"));

        var service = documents["Service"];
        Assert.Equal(port, Scalar(service, "spec.ports.0.targetPort"));
        Assert.True(YamlEquals(At(deployment, "spec.selector.matchLabels"), At(service, "spec.selector")), "the Service selects other pods than the Deployment runs");

        // The mounted settings file loads with the server's own loader and points at the mounted key file and model.
        string mountedConfig = args[Array.IndexOf(args, "--config") + 1];
        var mounts = ((YamlSequenceNode)At(container, "volumeMounts")).Children.ToDictionary(m => Scalar(m, "name"), m => Scalar(m, "mountPath"));
        Assert.Equal("/config", Path.GetDirectoryName(mountedConfig));
        string settingsText = ((YamlScalarNode)((YamlMappingNode)At(documents["ConfigMap"], "data")).Children[new YamlScalarNode(Path.GetFileName(mountedConfig))]).Value!;
        string settingsFile = Path.Combine(Directory.CreateTempSubdirectory("sharplm-deploy-").FullName, "appsettings.json");
        File.WriteAllText(settingsFile, settingsText);
        var options = ServerSettings.Load(settingsFile, new Dictionary<ServerSettings.Setting, string>(), _ => null);
        Assert.Equal(8080, options.Port);
        Assert.Equal("0.0.0.0", options.Host);
        Assert.Equal("/models/model", options.ModelDirectory);
        Assert.StartsWith(mounts["models"] + "/", options.ModelDirectory);
        Assert.Equal(Path.Combine(mounts["api-keys"], "api-keys"), options.ApiKeyFile);
        Assert.Equal("api-keys", ((YamlMappingNode)At(documents["Secret"], "stringData")).Children.Keys.Select(k => ((YamlScalarNode)k).Value).Single());
        Assert.Equal(Scalar(documents["PersistentVolumeClaim"], "metadata.name"), Scalar(deployment, "spec.template.spec.volumes.2.persistentVolumeClaim.claimName"));
    }

    [Fact]
    public async Task Pods_are_annotated_for_scraping_and_the_autoscaler_reads_the_servers_queue_metric()
    {
        var documents = Render();
        Assert.DoesNotContain("HorizontalPodAutoscaler", documents.Keys); // off by default
        var deployment = documents["Deployment"];
        var annotations = (YamlMappingNode)At(deployment, "spec.template.metadata.annotations");
        string Annotation(string key) => ((YamlScalarNode)annotations.Children[new YamlScalarNode(key)]).Value!; // keys hold dots
        Assert.Equal("true", Annotation("prometheus.io/scrape"));
        Assert.Equal(Scalar(deployment, "spec.template.spec.containers.0.ports.0.containerPort"), Annotation("prometheus.io/port"));
        Assert.Equal("/metrics", Annotation("prometheus.io/path"));

        var autoscaler = Render(("autoscaling.enabled", "true"))["HorizontalPodAutoscaler"];
        Assert.Equal("autoscaling/v2", Scalar(autoscaler, "apiVersion"));
        Assert.Equal("Deployment", Scalar(autoscaler, "spec.scaleTargetRef.kind"));
        Assert.Equal(Scalar(deployment, "metadata.name"), Scalar(autoscaler, "spec.scaleTargetRef.name"));
        Assert.True(int.Parse(Scalar(autoscaler, "spec.minReplicas")) <= int.Parse(Scalar(autoscaler, "spec.maxReplicas")));
        Assert.Equal("Pods", Scalar(autoscaler, "spec.metrics.0.type"));
        Assert.Equal("AverageValue", Scalar(autoscaler, "spec.metrics.0.pods.target.type"));
        Assert.True(double.Parse(Scalar(autoscaler, "spec.metrics.0.pods.target.averageValue"), System.Globalization.CultureInfo.InvariantCulture) > 0);

        // The metric is one the server really exports, with the name it has on /metrics.
        string metric = Scalar(autoscaler, "spec.metrics.0.pods.metric.name");
        var exported = new MemoryStream();
        await new SharpLM.Serving.Telemetry.ServerMetrics("m").Registry.CollectAndExportAsTextAsync(exported);
        Assert.Contains($"\n# TYPE {metric} gauge\n", System.Text.Encoding.UTF8.GetString(exported.ToArray()));
    }

    [Fact]
    public void The_data_job_is_indexed_and_the_pretraining_job_runs_real_commands()
    {
        Assert.DoesNotContain("Job", Render().Keys); // both are off by default
        var documents = Render(("dataJob.enabled", "true"), ("pretrain.enabled", "true"));
        var job = documents["Job"];
        Assert.Equal("Indexed", Scalar(job, "spec.completionMode"));
        string[] dataArgs = Strings(job, "spec.template.spec.containers.0.args");
        Assert.Equal(["data", "run"], dataArgs[..2]);
        Assert.Empty(ParseErrors(dataArgs));
        Assert.Equal(Scalar(job, "spec.completions"), dataArgs[Array.IndexOf(dataArgs, "--world-size") + 1]);

        var mpi = documents["MPIJob"];
        string[] launcher = Strings(mpi, "spec.mpiReplicaSpecs.Launcher.template.spec.containers.0.args");
        Assert.Equal(Scalar(mpi, "spec.mpiReplicaSpecs.Worker.replicas"), launcher[1]);
        int verb = Array.IndexOf(launcher, "pretrain");
        Assert.Equal("/app/sharplm", launcher[verb - 1]);
        Assert.Empty(ParseErrors(launcher[verb..]));
        Assert.Contains("--zero", launcher);
    }

    [Fact]
    public void The_plain_manifests_are_the_chart_rendered_with_its_defaults()
    {
        var rendered = Render(("dataJob.enabled", "true"), ("pretrain.enabled", "true"));
        var plain = Directory.GetFiles(Path.Combine(Root, "deploy", "kubernetes"), "*.yaml")
            .SelectMany(f => Parse(File.ReadAllText(f), f)).ToDictionary(d => Scalar(d, "kind"));
        Assert.Equal(rendered.Keys.Order(), plain.Keys.Order());
        foreach (var (kind, document) in rendered)
            Assert.True(YamlEquals(document, plain[kind]), $"deploy/kubernetes: the {kind} differs from the chart's rendering");
    }

    private static bool YamlEquals(YamlNode a, YamlNode b) => (a, b) switch
    {
        (YamlScalarNode x, YamlScalarNode y) => x.Value == y.Value,
        (YamlSequenceNode x, YamlSequenceNode y) => x.Children.Count == y.Children.Count && x.Children.Zip(y.Children).All(p => YamlEquals(p.First, p.Second)),
        (YamlMappingNode x, YamlMappingNode y) => x.Children.Count == y.Children.Count
            && x.Children.All(p => y.Children.TryGetValue(p.Key, out var other) && YamlEquals(p.Value, other)),
        _ => false,
    };

    [Fact]
    public void The_image_serves_by_default_as_a_non_root_user_with_a_health_check()
    {
        var lines = File.ReadAllLines(Path.Combine(Root, "Dockerfile")).Select(l => l.Trim()).ToList();
        Assert.Equal(2, lines.Count(l => l.StartsWith("FROM ", StringComparison.Ordinal)));
        Assert.Contains(lines, l => l.StartsWith("FROM mcr.microsoft.com/dotnet/sdk:", StringComparison.Ordinal) && l.EndsWith(" AS build", StringComparison.Ordinal));
        Assert.Contains("RUN dotnet publish src/SharpLM.Cli/SharpLM.Cli.csproj -c Release -o /app", lines);
        Assert.Equal("ENTRYPOINT [\"/app/sharplm\"]", lines.Single(l => l.StartsWith("ENTRYPOINT", StringComparison.Ordinal)));
        var command = JsonSerializer.Deserialize<string[]>(lines.Single(l => l.StartsWith("CMD", StringComparison.Ordinal))[4..])!;
        Assert.Empty(ParseErrors(command));
        Assert.Equal("serve", command[0]);
        string user = lines.Single(l => l.StartsWith("USER ", StringComparison.Ordinal))[5..];
        Assert.NotEqual("root", user);
        Assert.NotEqual("0", user);

        // Every variable the image sets is one the server reads; the health check probes the port it sets.
        var known = typeof(ServerSettings).GetFields().Where(f => f.FieldType == typeof(ServerSettings.Setting))
            .Select(f => ((ServerSettings.Setting)f.GetValue(null)!).Variable).ToHashSet();
        int env = lines.FindIndex(l => l.StartsWith("ENV ", StringComparison.Ordinal));
        var variables = new Dictionary<string, string>();
        for (int i = env; ; i++)
        {
            string assignment = lines[i].Replace("ENV ", "").TrimEnd('\\').Trim();
            var (name, value) = (assignment.Split('=')[0], assignment.Split('=')[1]);
            Assert.Contains(name, known);
            variables[name] = value;
            if (!lines[i].EndsWith('\\')) break;
        }
        string health = lines.Single(l => l.StartsWith("HEALTHCHECK", StringComparison.Ordinal));
        Assert.Contains($"http://127.0.0.1:{variables["SHARPLM_PORT"]}/health", health);
        Assert.Equal($"EXPOSE {variables["SHARPLM_PORT"]}", lines.Single(l => l.StartsWith("EXPOSE", StringComparison.Ordinal)));
    }
}
