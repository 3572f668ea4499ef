using Microsoft.Extensions.Logging;

namespace Resso.Functions.Core;

internal static partial class Log
{
    [LoggerMessage(200, LogLevel.Warning, "Could not refresh the catalog snapshot; serving the previous one")]
    public static partial void CatalogRefreshFailed(ILogger logger, Exception exception);
}
