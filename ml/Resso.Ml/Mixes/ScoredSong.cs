namespace Resso.Ml.Mixes;

/// <summary>A song with a score, as trending, neighbour and candidate lists carry it.</summary>
/// <param name="SongId">The song.</param>
/// <param name="Score">Higher is better; comparable within one list only.</param>
public readonly record struct ScoredSong(string SongId, double Score);
