/** No sign-in, or one that can no longer be refreshed without the person. (Apart, so reading it loads no @azure/identity.) */
export class SignInRequiredError extends Error {
  override readonly name = 'SignInRequiredError';
}
