using System.Buffers.Binary;
using System.Text;

namespace Runner.Sdk.Native;

/// <summary>Reads an ELF64 little-endian shared object and marks one required symbol version as weak.</summary>
internal static class ElfVersionPatcher
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlagWeak = 0x2;

    /// <summary>
    /// Sets <c>VER_FLG_WEAK</c> on the <c>.gnu.version_r</c> entry naming <paramref name="version"/>.
    /// Returns true when the file now carries the flag (patched now or earlier), false when the file has no such
    /// entry or could not be written.
    /// </summary>
    public static bool TryWeakenVersionNeed(string path, string version)
    {
        try
        {
            var offset = FindVernauxFlagsOffset(path, version, out var flags);
            if (offset < 0) return false;
            if ((flags & VerFlagWeak) != 0) return true;
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
            stream.Position = offset;
            Span<byte> bytes = stackalloc byte[2];
            BinaryPrimitives.WriteUInt16LittleEndian(bytes, (ushort)(flags | VerFlagWeak));
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Whether the entry for <paramref name="version"/> is already weak (false if absent).</summary>
    public static bool IsWeak(string path, string version) =>
        FindVernauxFlagsOffset(path, version, out var flags) >= 0 && (flags & VerFlagWeak) != 0;

    /// <summary>The file offset of the <c>vna_flags</c> field for <paramref name="version"/>, or -1.</summary>
    private static long FindVernauxFlagsOffset(string path, string version, out ushort flags)
    {
        flags = 0;
        var image = File.ReadAllBytes(path);
        ReadOnlySpan<byte> elf = image;
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            return -1;
        if (elf[4] != 2 || elf[5] != 1) return -1; // ELFCLASS64, little-endian only

        var sectionHeaders = (long)BinaryPrimitives.ReadUInt64LittleEndian(elf[0x28..]);
        int sectionHeaderSize = BinaryPrimitives.ReadUInt16LittleEndian(elf[0x3A..]);
        int sectionCount = BinaryPrimitives.ReadUInt16LittleEndian(elf[0x3C..]);

        for (var i = 0; i < sectionCount; i++)
        {
            var header = elf.Slice((int)(sectionHeaders + (long)i * sectionHeaderSize), sectionHeaderSize);
            if (BinaryPrimitives.ReadUInt32LittleEndian(header[4..]) != ShtGnuVerneed) continue;

            var verneedOffset = (long)BinaryPrimitives.ReadUInt64LittleEndian(header[0x18..]);
            var linkedStrings = (int)BinaryPrimitives.ReadUInt32LittleEndian(header[0x28..]);
            var stringsHeader = elf.Slice((int)(sectionHeaders + (long)linkedStrings * sectionHeaderSize), sectionHeaderSize);
            var stringsOffset = (long)BinaryPrimitives.ReadUInt64LittleEndian(stringsHeader[0x18..]);

            // Elf64_Verneed { u16 version, u16 cnt, u32 file, u32 aux, u32 next }, each followed by a chain of
            // Elf64_Vernaux { u32 hash, u16 flags, u16 other, u32 name, u32 next }.
            var need = verneedOffset;
            while (true)
            {
                int auxCount = BinaryPrimitives.ReadUInt16LittleEndian(elf[(int)(need + 2)..]);
                var aux = need + BinaryPrimitives.ReadUInt32LittleEndian(elf[(int)(need + 8)..]);
                for (var a = 0; a < auxCount; a++)
                {
                    var nameOffset = BinaryPrimitives.ReadUInt32LittleEndian(elf[(int)(aux + 8)..]);
                    if (ReadCString(elf, stringsOffset + nameOffset) == version)
                    {
                        flags = BinaryPrimitives.ReadUInt16LittleEndian(elf[(int)(aux + 4)..]);
                        return aux + 4;
                    }
                    aux += BinaryPrimitives.ReadUInt32LittleEndian(elf[(int)(aux + 12)..]);
                }
                var next = BinaryPrimitives.ReadUInt32LittleEndian(elf[(int)(need + 12)..]);
                if (next == 0) break;
                need += next;
            }
        }
        return -1;
    }

    private static string ReadCString(ReadOnlySpan<byte> elf, long offset)
    {
        var rest = elf[(int)offset..];
        var end = rest.IndexOf((byte)0);
        return Encoding.ASCII.GetString(end < 0 ? rest : rest[..end]);
    }
}
