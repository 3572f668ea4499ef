namespace Resso.Traffic.Generation;

/// <summary>Words the synthetic world is named with, and where its users live.</summary>
internal static class Vocabulary
{
    /// <summary>Home regions of users, weighted roughly like a short-video app's audience.</summary>
    public static readonly (string Region, double Weight)[] Regions =
    [
        ("ID", 16), ("US", 14), ("BR", 11), ("MX", 7), ("IN", 9), ("PH", 7), ("GB", 4), ("JP", 4),
        ("TH", 5), ("VN", 5), ("DE", 3), ("FR", 3), ("MY", 3), ("TR", 3), ("SA", 2), ("EG", 2),
        ("NG", 2), ("KR", 2), ("ES", 2), ("AR", 2), ("CO", 2), ("CA", 2), ("AU", 1.5), ("IT", 1.5),
    ];

    public static readonly string[] Genres =
    [
        "pop", "hip-hop", "k-pop", "dangdut", "reggaeton", "edm", "r-and-b", "rock", "indie", "latin-pop",
        "anime", "lo-fi", "afrobeats", "country", "jazz", "j-pop", "opm", "sertanejo", "bollywood", "t-pop",
        "v-pop", "metal", "house", "phonk",
    ];

    public static readonly string[] Labels =
    [
        "Sunset Records", "Blue Harbor Music", "Northline", "Kopi Sound", "Monsoon Music Group", "Velvet Tape",
        "Island Beat", "Neon Alley Records", "Paper Crane", "Riverstone Music", "Atlas Audio", "Ember & Oak",
    ];

    public static readonly string[] FirstNames =
    [
        "Nova", "Kairo", "Luna", "Rafa", "Mika", "Sol", "Aria", "Dito", "Yuna", "Theo", "Lia", "Bayu", "Zara",
        "Kenji", "Ines", "Omar", "Priya", "Leo", "Sari", "Jae", "Tala", "Enzo", "Maya", "Rio", "Ayo", "Noor",
    ];

    public static readonly string[] LastNames =
    [
        "Reyes", "Santoso", "Park", "Silva", "Tanaka", "Nguyen", "Cruz", "Kapoor", "Moreau", "Okafor", "Vega",
        "Lim", "Haddad", "Costa", "Wright", "Suzuki", "Pratama", "Rojas", "Becker", "Ali",
    ];

    public static readonly string[] Adjectives =
    [
        "Midnight", "Golden", "Paper", "Electric", "Lonely", "Neon", "Velvet", "Broken", "Summer", "Silent",
        "Wild", "Crystal", "Sweet", "Cold", "Burning", "Endless", "Tiny", "Purple", "Lucky", "Sleepless",
    ];

    public static readonly string[] Nouns =
    [
        "Lights", "Hearts", "Rain", "City", "Dream", "Fire", "Ocean", "Kiss", "Road", "Moon", "Heartbeat",
        "Signal", "Sky", "Night", "Wave", "Mirror", "Garden", "Echo", "Love", "Thunder", "Shadow", "Star",
    ];
}
