namespace IsolationLib;

/// <summary>Says which build of the library was loaded.</summary>
public static class LibInfo
{
#if LIB_V2
    public const string Version = "2";

    // Only in version 2: a plugin built against it fails if it gets version 1.
    public static string Describe() => "lib v2";
#else
    public const string Version = "1";
#endif
}
