namespace Resso.Load;

/// <summary>
/// A run that cannot start as asked: a bad option, scenario or mix file, or an address that is not
/// loopback. The message says what to change; the command exits with 2.
/// </summary>
public sealed class UsageException(string message) : Exception(message);
