//! What mail intake refuses on its own, before any certificate is decided:
//! shapes a desk's mail program produced that hide the certificate from
//! vigie. Each comes with a French sentence that tells the desk how to send
//! again (DESIGN §10).

/// Why a part of a message cannot be taken in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailRefusal {
    /// Outlook's `winmail.dat` (TNEF): the attachments are wrapped in it.
    Tnef,
    /// Encrypted S/MIME: vigie holds no key to open it.
    Encrypted,
    /// A `.zip` over the limits (entries, size, compression ratio).
    ArchiveTooLarge,
    /// A `.zip` that cannot be read (damaged, encrypted entries).
    ArchiveUnreadable,
    /// An Outlook `.msg` file: read by no kept crate.
    OutlookMsg,
    /// Forwarded messages nested deeper than vigie looks.
    TooDeep,
}

impl MailRefusal {
    /// The stable reason code.
    pub fn code(self) -> &'static str {
        match self {
            MailRefusal::Tnef => "winmail_dat",
            MailRefusal::Encrypted => "encrypted",
            MailRefusal::ArchiveTooLarge => "archive_too_large",
            MailRefusal::ArchiveUnreadable => "archive_unreadable",
            MailRefusal::OutlookMsg => "outlook_msg",
            MailRefusal::TooDeep => "too_deep",
        }
    }

    /// The sentence for the desk, in French.
    pub fn fr(self) -> &'static str {
        match self {
            MailRefusal::Tnef => "Votre messagerie (Outlook) a emballé les pièces jointes dans un fichier winmail.dat illisible hors d'Outlook. Renvoyez le certificat en pièce jointe au format « Texte brut » ou « HTML » (Outlook : Fichier > Options > Courrier > Composer les messages dans ce format), pas en « Texte enrichi ».",
            MailRefusal::Encrypted => "Le message est chiffré (S/MIME) et ne peut pas être lu. Renvoyez-le sans chiffrement : le certificat (partie publique, fichier .cer) n'a rien de secret. Une signature du message reste la bienvenue.",
            MailRefusal::ArchiveTooLarge => "L'archive .zip dépasse les limites (100 fichiers, 10 Mio décompressés). Envoyez le certificat seul, en pièce jointe .cer.",
            MailRefusal::ArchiveUnreadable => "L'archive .zip est illisible (endommagée ou protégée par un mot de passe). Envoyez le certificat seul, en pièce jointe .cer, sans mot de passe.",
            MailRefusal::OutlookMsg => "La pièce jointe est un message Outlook (.msg), que vigie ne lit pas. Envoyez le certificat lui-même en pièce jointe (fichier .cer), ou transférez le message « en tant que pièce jointe » au format standard (.eml).",
            MailRefusal::TooDeep => "Le certificat est dans un message transféré plus de trois fois. Envoyez le certificat directement en pièce jointe (fichier .cer).",
        }
    }

    /// The sentence for the desk, in English.
    pub fn en(self) -> &'static str {
        match self {
            MailRefusal::Tnef => "Your mail program (Outlook) wrapped the attachments in a winmail.dat file that only Outlook reads. Send the certificate again as an attachment in \"Plain text\" or \"HTML\" format, not \"Rich text\".",
            MailRefusal::Encrypted => "The message is encrypted (S/MIME) and cannot be read. Send it again unencrypted: the certificate (public part, .cer file) is not secret. Signing the message is welcome.",
            MailRefusal::ArchiveTooLarge => "The .zip archive is over the limits (100 files, 10 MiB uncompressed). Send the certificate alone, as a .cer attachment.",
            MailRefusal::ArchiveUnreadable => "The .zip archive cannot be read (damaged or password-protected). Send the certificate alone, as a .cer attachment, without a password.",
            MailRefusal::OutlookMsg => "The attachment is an Outlook message (.msg), which vigie does not read. Attach the certificate itself (.cer file), or forward the message as a standard .eml attachment.",
            MailRefusal::TooDeep => "The certificate is in a message forwarded more than three times. Send the certificate directly as a .cer attachment.",
        }
    }
}
