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
            "dashboard" => ("Dasbor", "Dashboard"),
            "requests" => ("Permintaan", "Requests"),
            "requests_hint" => (
                "Permintaan dan laporan instansi Anda, dengan status kasus dan sisa waktu tenggat. Isi konten tidak ditampilkan di sini.",
                "Your office's requests and reports, with the cases' status and the time left to their deadlines. Content is not shown here.",
            ),
            "no_requests" => ("Belum ada permintaan.", "No requests yet."),
            "filed" => ("Diajukan", "Filed"),
            "closed" => ("Ditutup", "Closed"),
            "time_left" => ("Sisa waktu", "Time left"),
            "platform" => ("Platform", "Platform"),
            "not_found" => ("tidak ditemukan", "not found"),
            "not_found_hint" => (
                "Halaman atau kasus ini tidak ada, atau bukan milik platform Anda.",
                "This page or case does not exist, or is not your platform's.",
            ),
            "hidden_char" => (
                "Karakter tak terlihat yang mengubah urutan atau memecah teks; ditampilkan sebagai kodenya.",
                "An invisible character that reorders or splits text; shown as its code.",
            ),
            "account_status" => ("Status akun", "Account status"),
            "items" => ("Item", "Items"),
            "items_scored" => ("Item dinilai", "Items scored"),
            "items_flagged" => ("Item ditandai", "Items flagged"),
            "first_seen" => ("Pertama terlihat", "First seen"),
            "last_seen" => ("Terakhir terlihat", "Last seen"),
            "decisions" => ("Keputusan", "Decisions"),
            "network" => ("Jaringan akun", "Account network"),
            "network_none" => (
                "Tidak ada akun lain yang terhubung.",
                "No other account is linked.",
            ),
            "network_truncated" => (
                "Jaringan lebih besar; hanya sebagian ditampilkan.",
                "The network is larger; only part is shown.",
            ),
            "linked_by" => ("Terhubung karena", "Linked by"),
            "network_freeze" => ("Bekukan seluruh jaringan", "Freeze the whole network"),
            "network_freeze_note" => (
                "Perlu persetujuan moderator kedua.",
                "Needs a second moderator's approval.",
            ),
            "network_pending" => (
                "Pembekuan jaringan menunggu persetujuan",
                "Network freeze waiting for approval",
            ),
            "approve" => ("Setujui", "Approve"),
            "reject" => ("Tolak", "Reject"),
            "reversed_on_appeal" => ("dibatalkan lewat banding", "reversed on appeal"),
            "reports" => ("Laporan", "Reports"),
            "case_history" => ("Riwayat kasus", "Case history"),
            "attempts" => ("Percobaan", "Attempts"),
            "created" => ("Dibuat", "Created"),
            "delivered" => ("Terkirim", "Delivered"),
            "last_error" => ("Galat terakhir", "Last error"),
            "days" => ("Hari", "Days"),
            "dashboard_window" => (
                "Hari kalender UTC terakhir, termasuk hari ini",
                "Last UTC calendar days, today included",
            ),
            "items_per_day" => ("Item dinilai per hari", "Items scored per day"),
            "flagged_rate" => ("Tingkat item ditandai", "Flagged rate"),
            "share" => ("proporsi", "share"),
            "decisions_by_type" => ("Keputusan menurut jenis", "Decisions by type"),
            "time_to_decision" => ("Waktu sampai keputusan", "Time to decision"),
            "appeal_reversals" => ("Hasil banding", "Appeal outcomes"),
            "reversal_rate" => ("Tingkat pembatalan banding", "Appeal reversal rate"),
            "order_delivery" => (
                "Pengiriman perintah penegakan",
                "Enforcement order delivery",
            ),
            "orders_short" => ("perintah", "orders"),
            "order_failures" => ("Perintah gagal terkirim", "Order delivery failures"),
            "all_platforms" => ("semua platform", "all platforms"),
            "per_location" => ("Per lokasi", "Per location"),
            "suppressed_hint" => (
                "Angka di bawah k disembunyikan, dan seluruh baris bila akunnya kurang dari k, agar tidak ada kelompok kecil yang bisa dikenali.",
                "Counts below k are withheld, and whole rows with fewer than k accounts, so no small group can be singled out.",
            ),
            "no_locations" => ("Belum ada data lokasi.", "No location data yet."),
            "report_downloads" => ("Unduh laporan", "Download reports"),
            "reports_hint" => (
                "Untuk jendela dasbor ini, dalam UTC. Laporan lokasi mencakup minggu ISO penuh dan menyembunyikan angka di bawah k; docs/reports.md menjelaskan setiap kolom.",
                "For this dashboard's window, in UTC. The location report covers whole ISO weeks and withholds counts below k; docs/reports.md explains every field.",
            ),
            "report_transparency" => ("Laporan transparansi (CSV)", "Transparency report (CSV)"),
            "report_statements" => (
                "Pernyataan alasan, format DSA (NDJSON)",
                "Statements of reasons, DSA format (NDJSON)",
            ),
            "report_locations" => (
                "Laporan lokasi per minggu (CSV)",
                "Weekly location report (CSV)",
            ),
            "accounts" => ("Akun", "Accounts"),
            "cases_opened" => ("Kasus dibuka", "Cases opened"),
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
