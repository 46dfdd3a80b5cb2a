// A separate process that stores one freshly signed attestation with the `oci` tag backend, so tests can run
// many writers at once against one image (bundled with esbuild by bundleOciWriter()).
// Input: env OCI_WRITER = {"host","repository","digest","privateKeyFile","nonce","insecure":true}
// Output: the StorageOutcome as JSON on stdout.
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { signAttestation } from '../../src/commands/sign.js';
import { RegistryClient } from '../../src/oci/client.js';
import { KeySigner } from '../../src/signing/key-signer.js';
import { OciTagStorage } from '../../src/storage/oci-tag.js';
import { imageSubject, provenance } from './attestations.js';

interface WriterInput {
  host: string;
  repository: string;
  digest: string;
  privateKeyFile: string;
  nonce: string;
}

const input = JSON.parse(process.env.OCI_WRITER ?? '{}') as WriterInput;
const signer = new KeySigner(createPrivateKey(readFileSync(input.privateKeyFile)), input.privateKeyFile);
const statement = provenance([imageSubject(input.host, input.repository, input.digest)], input.nonce);
const attestation = await signAttestation(statement, signer, Buffer.from(JSON.stringify(statement)));
const client = new RegistryClient({ insecureRegistries: [input.host] });
const outcome = await new OciTagStorage({ client }).store(attestation);
await client.close();
process.stdout.write(`${JSON.stringify({ outcome, layerPayload: attestation.envelope.payload })}\n`);
