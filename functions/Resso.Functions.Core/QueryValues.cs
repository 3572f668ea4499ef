using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Resso.Functions.Core;

/// <summary>Query parameters as every route reads them: a value that is not valid adds its error under its name.</summary>
public static class QueryValues
{
    /// <summary>
    /// The whole number <paramref name="name"/> from 1 to <paramref name="max"/>; <paramref name="fallback"/>
    /// when it is absent, and when it is not valid (its error is then in <paramref name="errors"/>).
    /// </summary>
    public static int WholeNumber(HttpRequest request, string name, int fallback, int max, IDictionary<string, string[]> errors)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(errors);
        if (request.Query[name].ToString() is not { Length: > 0 } text)
        {
            return fallback;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < 1 || value > max)
        {
            errors[name] = [$"must be a whole number from 1 to {max}."];
            return fallback;
        }

        return value;
    }
}
