using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Resso.Shared.Configuration;

namespace Resso.Shared.Storage;

/// <summary>
/// The storage account the app uses, read from <c>AzureWebJobsStorage</c> exactly as the Functions
/// host reads it: either a connection string (<c>UseDevelopmentStorage=true</c> for Azurite), or an
/// identity-based connection (<c>AzureWebJobsStorage__accountName</c>, or the three
/// <c>__blobServiceUri</c>/<c>__queueServiceUri</c>/<c>__tableServiceUri</c> settings) authenticated
/// with a managed identity.
/// </summary>
public sealed class StorageConnection
{
    /// <summary>The setting that names the storage account.</summary>
    public const string SettingName = "AzureWebJobsStorage";

    private readonly string? _connectionString;
    private readonly Uri? _blobUri;
    private readonly Uri? _queueUri;
    private readonly Uri? _tableUri;
    private readonly TokenCredential? _credential;

    private StorageConnection(string connectionString) => _connectionString = connectionString;

    private StorageConnection(Uri blobUri, Uri queueUri, Uri tableUri, TokenCredential credential)
    {
        _blobUri = blobUri;
        _queueUri = queueUri;
        _tableUri = tableUri;
        _credential = credential;
    }

    /// <summary>Where the blob service is, for logs and health output (never contains a secret).</summary>
    public string Description { get; private init; } = "";

    /// <summary>
    /// Reads the connection from configuration and checks that each client can be built from it,
    /// so a malformed value stops start-up with a message naming the setting.
    /// </summary>
    /// <exception cref="RessoConfigurationException">The setting is missing or malformed.</exception>
    public static StorageConnection FromConfiguration(IConfiguration configuration)
    {
        var section = configuration.GetSection(SettingName);
        var value = section.Value;
        if (!string.IsNullOrWhiteSpace(value))
        {
            return FromConnectionString(value);
        }

        var accountName = section["accountName"];
        if (!string.IsNullOrWhiteSpace(accountName))
        {
            return FromServiceUris(
                ServiceUri(section, "blobServiceUri", $"https://{accountName}.blob.core.windows.net"),
                ServiceUri(section, "queueServiceUri", $"https://{accountName}.queue.core.windows.net"),
                ServiceUri(section, "tableServiceUri", $"https://{accountName}.table.core.windows.net"),
                section["clientId"]);
        }

        if (section["blobServiceUri"] is { Length: > 0 } blob)
        {
            return FromServiceUris(
                ServiceUri(section, "blobServiceUri", blob),
                ServiceUri(section, "queueServiceUri", null),
                ServiceUri(section, "tableServiceUri", null),
                section["clientId"]);
        }

        throw new RessoConfigurationException(
            SettingName,
            "is not set. Set it to a storage connection string (UseDevelopmentStorage=true for Azurite on its default ports), " +
            "or set AzureWebJobsStorage__accountName to use a managed identity.");
    }

    /// <summary>Builds the connection from a storage connection string, validating it.</summary>
    /// <exception cref="RessoConfigurationException">The string is not a storage connection string.</exception>
    public static StorageConnection FromConnectionString(string connectionString)
    {
        try
        {
            // Each constructor parses the string; none of them performs I/O.
            var blob = new BlobServiceClient(connectionString);
            _ = new QueueServiceClient(connectionString);
            _ = new TableServiceClient(connectionString);
            return new StorageConnection(connectionString) { Description = blob.Uri.GetLeftPart(UriPartial.Path) };
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException)
        {
            // The parser's message can quote the value, and the value may hold an account key: keep it out.
            throw new RessoConfigurationException(
                SettingName,
                "is not a valid storage connection string. Expected UseDevelopmentStorage=true or " +
                "DefaultEndpointsProtocol=https;AccountName=…;AccountKey=…[;BlobEndpoint=…;QueueEndpoint=…;TableEndpoint=…].",
                ex);
        }
    }

    private static StorageConnection FromServiceUris(Uri blob, Uri queue, Uri table, string? clientId)
    {
        TokenCredential credential = string.IsNullOrEmpty(clientId)
            ? new DefaultAzureCredential()
            : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId));
        return new StorageConnection(blob, queue, table, credential) { Description = blob.GetLeftPart(UriPartial.Path) };
    }

    private static Uri ServiceUri(IConfigurationSection section, string key, string? fallback)
    {
        var text = section[key] ?? fallback;
        if (text is null || !Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
        {
            throw new RessoConfigurationException(
                $"{SettingName}__{key}",
                "must be an absolute http(s) URI of the storage service, e.g. https://myaccount.queue.core.windows.net.");
        }

        return uri;
    }

    /// <summary>Creates the Blob service client.</summary>
    public BlobServiceClient CreateBlobServiceClient(BlobClientOptions options) =>
        _connectionString is not null
            ? new BlobServiceClient(_connectionString, options)
            : new BlobServiceClient(_blobUri, _credential, options);

    /// <summary>Creates the Queue service client.</summary>
    public QueueServiceClient CreateQueueServiceClient(QueueClientOptions options) =>
        _connectionString is not null
            ? new QueueServiceClient(_connectionString, options)
            : new QueueServiceClient(_queueUri, _credential, options);

    /// <summary>Creates the Table service client.</summary>
    public TableServiceClient CreateTableServiceClient(TableClientOptions options) =>
        _connectionString is not null
            ? new TableServiceClient(_connectionString, options)
            : new TableServiceClient(_tableUri, _credential, options);
}
