//! The console's two languages: Indonesian (the default) and English.

/// A language the console speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Bahasa Indonesia.
    Id,
    /// English.
    En,
}

impl Lang {
    /// Parses `id` or `en`; anything else is Indonesian.
    pub fn parse(s: &str) -> Self {
        if s == "en" { Self::En } else { Self::Id }
    }

    /// The code used in cookies and `lang` attributes.
    pub fn code(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::En => "en",
        }
    }

    /// The translation of `key` (the key itself when unknown, so a gap shows, never breaks).
    pub fn t(self, key: &str) -> &str {
        let (id, en) = match key {
            "title" => ("Saring — konsol moderasi", "Saring — moderation console"),
            "login" => ("Masuk", "Sign in"),
            "logout" => ("Keluar", "Sign out"),
            "username" => ("Nama pengguna", "Username"),
            "password" => ("Kata sandi", "Password"),
            "login_failed" => (
                "Nama pengguna atau kata sandi salah.",
                "Wrong username or password.",
            ),
            "queue" => ("Antrean tinjauan", "Review queue"),
            "appeals" => ("Banding", "Appeals"),
            "audit" => ("Log audit", "Audit log"),
            "case" => ("Kasus", "Case"),
            "account" => ("Akun", "Account"),
            "score" => ("Skor", "Score"),
            "flags" => ("Tanda", "Flags"),
            "status" => ("Status", "Status"),
            "deadline" => ("Tenggat", "Deadline"),
            "opened" => ("Dibuka", "Opened"),
            "location" => ("Lokasi", "Location"),
            "claim" => ("Ambil", "Claim"),
            "claimed_by" => ("Diambil oleh", "Claimed by"),
            "release" => ("Lepaskan", "Release"),
            "filter" => ("Saring", "Filter"),
            "all" => ("Semua", "All"),
            "no_cases" => ("Tidak ada kasus.", "No cases."),
            "evidence" => ("Bukti", "Evidence"),
            "signals" => ("Sinyal", "Signals"),
            "how_scored" => ("Bagaimana skor dihitung", "How the score was reached"),
            "history" => ("Riwayat akun", "Account history"),
            "prior_cases" => ("Kasus sebelumnya", "Earlier cases"),
            "recommendation" => ("Rekomendasi", "Recommendation"),
            "decide" => ("Putuskan", "Decide"),
            "action" => ("Tindakan", "Action"),
            "ground" => ("Dasar kebijakan", "Policy ground"),
            "note" => ("Catatan", "Note"),
            "submit_decision" => ("Simpan keputusan", "Record decision"),
            "sor_preview" => (
                "Pratinjau pernyataan alasan",
                "Statement of reasons preview",
            ),
            "orders" => ("Perintah penegakan", "Enforcement orders"),
            "blur" => ("Samarkan teks", "Blur text"),
            "protection" => (
                "Tanda risiko anak atau perdagangan orang: rujuk ke layanan perlindungan.",
                "Minor-risk or trafficking signs: refer to protection services.",
            ),
            "verify" => ("Verifikasi rantai", "Verify chain"),
            "chain_ok" => ("Rantai audit utuh", "Audit chain intact"),
            "chain_broken" => ("Rantai audit RUSAK", "Audit chain BROKEN"),
            "purged" => (
                "(konten telah dihapus sesuai retensi)",
                "(content purged after retention)",
            ),
            "decide_appeal" => ("Putuskan banding", "Decide appeal"),
            "uphold" => ("Pertahankan", "Uphold"),
            "reverse" => ("Batalkan", "Reverse"),
            "reason" => ("Alasan", "Reason"),
            "no_appeals" => ("Tidak ada banding.", "No appeals."),
            "language" => ("English", "Bahasa Indonesia"),
            "keys" => (
                "Tombol: j/k pindah, Enter buka",
                "Keys: j/k move, Enter opens",
            ),
            _ => (key, key),
        };
        match self {
            Self::Id => id,
            Self::En => en,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indonesian_is_the_default_and_both_languages_differ() {
        assert_eq!(Lang::parse("fr"), Lang::Id);
        assert_eq!(Lang::Id.t("queue"), "Antrean tinjauan");
        assert_eq!(Lang::En.t("queue"), "Review queue");
        assert_eq!(Lang::En.t("unknown-key"), "unknown-key");
    }
}
