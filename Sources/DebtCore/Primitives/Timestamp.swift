/// An instant in UTC with microsecond precision (PostgreSQL's `timestamptz` resolution).
///
/// Text form (RFC 3339): parsing accepts `T` or a space, an optional fraction of any length (digits
/// past the sixth are truncated), and `Z` or a numeric offset. Printing always uses UTC and `Z`, with
/// no fraction when whole seconds, three digits when whole milliseconds, else six. Equal instants
/// therefore always print alike, which the sync hash relies on.
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Microseconds since 1970-01-01T00:00:00Z.
    public var microseconds: Int64

    public init(microseconds: Int64) { self.microseconds = microseconds }

    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.microseconds < b.microseconds }

    public init?(rfc3339 text: some StringProtocol) {
        let b = Array(text.utf8)
        var i = 0
        func digits(_ n: Int) -> Int? {
            guard i + n <= b.count else { return nil }
            var v = 0
            for k in 0..<n {
                let c = b[i + k]
                guard c >= 48, c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            i += n
            return v
        }
        func expect(_ c: UInt8...) -> Bool {
            guard i < b.count, c.contains(b[i]) else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect(45), let month = digits(2), expect(45), let day = digits(2),
            CalendarDate.isValid(year: year, month: month, day: day),
            expect(84, 116, 32), let hour = digits(2), expect(58), let minute = digits(2), expect(58),
            let second = digits(2), hour < 24, minute < 60, second < 61
        else { return nil }
        var micros = 0
        if i < b.count, b[i] == 46 {
            i += 1
            var n = 0
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                if n < 6 { micros = micros * 10 + Int(b[i] - 48) }
                n += 1
                i += 1
            }
            guard n > 0 else { return nil }
            for _ in min(n, 6)..<6 { micros *= 10 }
        }
        var offsetSeconds = 0
        if expect(90, 122) {
            offsetSeconds = 0
        } else if i < b.count, b[i] == 43 || b[i] == 45 {
            let sign = b[i] == 45 ? -1 : 1
            i += 1
            guard let oh = digits(2), expect(58), let om = digits(2), oh < 24, om < 60 else { return nil }
            offsetSeconds = sign * (oh * 3600 + om * 60)
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        let days = CalendarDate.daysFromCivil(year: year, month: month, day: day)
        let seconds = Int64(days) * 86400 + Int64(hour * 3600 + minute * 60 + min(second, 59)) - Int64(offsetSeconds)
        self.microseconds = seconds * 1_000_000 + Int64(micros)
    }

    public var description: String {
        let (secs, micros) = microseconds.quotientAndRemainder(dividingBy: 1_000_000)
        var s = secs
        var us = micros
        if us < 0 { us += 1_000_000; s -= 1 }
        let (days, rem) = s.quotientAndRemainder(dividingBy: 86400)
        var d = days
        var r = rem
        if r < 0 { r += 86400; d -= 1 }
        let date = CalendarDate(daysSinceEpoch: Int(d))
        // Written digit by digit into one buffer: timestamps are formatted for every row of every
        // listing, export and projection write (string concatenation took 10% of a rebuild).
        guard (0...9999).contains(date.year) else {
            var out = date.description + "T" + pad(Int(r / 3600), 2) + ":" + pad(Int(r % 3600 / 60), 2) + ":" + pad(Int(r % 60), 2)
            if us != 0 { out += us % 1000 == 0 ? "." + pad(Int(us / 1000), 3) : "." + pad(Int(us), 6) }
            return out + "Z"
        }
        let fraction = us == 0 ? 0 : us % 1000 == 0 ? 4 : 7
        return String(unsafeUninitializedCapacity: 20 + fraction) { b in
            func put(_ value: Int, _ width: Int, at offset: Int) {
                var v = value
                for i in stride(from: offset + width - 1, through: offset, by: -1) {
                    b[i] = UInt8(truncatingIfNeeded: 48 + v % 10)
                    v /= 10
                }
            }
            put(date.year, 4, at: 0); b[4] = 45; put(date.month, 2, at: 5); b[7] = 45; put(date.day, 2, at: 8)
            b[10] = 84; put(Int(r / 3600), 2, at: 11); b[13] = 58; put(Int(r % 3600 / 60), 2, at: 14); b[16] = 58
            put(Int(r % 60), 2, at: 17)
            if fraction == 4 { b[19] = 46; put(Int(us / 1000), 3, at: 20) } else if fraction == 7 { b[19] = 46; put(Int(us), 6, at: 20) }
            b[19 + fraction] = 90
            return 20 + fraction
        }
    }
}

func pad(_ value: Int, _ width: Int) -> String {
    let s = String(value)
    return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
}
