import { bech32 } from "bech32";

/*
 * age keys, checked as age itself reads them: Bech32 (BIP-173) with the human-readable part `age`
 * for a recipient and `age-secret-key-` for an identity, and a 32-byte X25519 key inside
 * (https://age-encryption.org/v1). A recipient with a mistyped character fails the checksum; age
 * refuses it, so every backup encrypted to it would fail (BK-3). The bech32 package does the
 * decoding, as it does in the policy pack.
 */

/** Why a string is not an age X25519 recipient, or undefined when it is one. */
export function ageRecipientProblem(recipient: string): string | undefined {
    if (!/^age1[02-9ac-hj-np-z]{58}$/.test(recipient)) return "must be an age X25519 recipient (age1 and 58 Bech32 characters, 62 in all)";
    try {
        const decoded = bech32.decode(recipient);
        if (decoded.prefix !== "age" || bech32.fromWords(decoded.words).length !== 32) return "is not an age X25519 recipient: it does not hold a 32-byte key";
    } catch {
        return "fails its Bech32 checksum: a character is mistyped, and age would refuse it (print the right one with age-keygen -y <key file>)";
    }
    return undefined;
}
