export interface EnvelopeSignature {
  keyid: string;
  sig: string;
}

/** A DSSE envelope as cosign and Chains store it (standard padded base64). */
export interface Envelope {
  payloadType: string;
  payload: string;
  signatures: EnvelopeSignature[];
}

/** A Rekor transparency-log entry for the envelope, in the shape cosign's bundle annotation needs. */
export interface TlogEntry {
  logIndex: number;
  logId: string;
  integratedTime: number;
  /** base64 */
  signedEntryTimestamp: string;
  /** base64 of the canonicalized entry body */
  body: string;
  /** Where a person can look the entry up. */
  url: string;
  /** The Merkle inclusion proof Rekor returned, when it did (sigstore bundles v0.2+ carry it). */
  inclusionProof?: InclusionProof;
}

/** Rekor's inclusion proof, as its API returns it (hashes hex, checkpoint a signed note). */
export interface InclusionProof {
  logIndex: number;
  treeSize: number;
  rootHash: string;
  hashes: string[];
  checkpoint: string;
}

/** Signs raw bytes; what every signer (cosign key, x509 PEM, keyless) offers the DSSE layer. */
export interface Signer {
  readonly kind: 'key' | 'keyless';
  /** DER (ECDSA) or raw (Ed25519) signature over `data`, as cosign produces it. */
  sign(data: Uint8Array): Promise<Uint8Array>;
  /** PEM public key; for keyless, the certificate's key. */
  publicKeyPem(): string;
  /** Keyless: the leaf certificate and its chain (PEM). */
  certificatePem?(): string | undefined;
  chainPem?(): string | undefined;
}

/** A payload signed as a DSSE envelope. `envelopeJson` is the exact stored/logged bytes. */
export interface SignedEnvelope {
  /** The signed bytes (the DSSE payload). */
  payload: Uint8Array;
  envelope: Envelope;
  envelopeJson: string;
  publicKeyPem: string;
  certificatePem?: string;
  chainPem?: string;
  tlogEntry?: TlogEntry;
  /** A sigstore bundle (v0.3 JSON) for the envelope, when one was built. */
  sigstoreBundle?: Record<string, unknown>;
}

/** A detached signature over raw bytes (cosign's `.sig` layer: the simple-signing payload and its signature). */
export interface SignedBlob {
  payload: Uint8Array;
  /** base64 of the signature over `payload`. */
  signature: string;
  publicKeyPem: string;
  certificatePem?: string;
  chainPem?: string;
  tlogEntry?: TlogEntry;
}
