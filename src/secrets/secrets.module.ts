import { Global, Module } from '@nestjs/common';
import { SecretsCipher } from './secrets-cipher';
import { SensitiveKwargs } from './sensitive-kwargs';

/** Sensitive kwargs (SPEC 7.8): the cipher and what seals, opens and fingerprints a task's kwargs. */
@Global()
@Module({ providers: [SecretsCipher, SensitiveKwargs], exports: [SecretsCipher, SensitiveKwargs] })
export class SecretsModule {}
