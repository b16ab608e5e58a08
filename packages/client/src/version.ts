/** This package's version, sent in `MS-PartnerCenter-Client` and `User-Agent` (test/version.test.ts keeps it true). */
export const VERSION = '0.0.0';
