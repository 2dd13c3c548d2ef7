/**
 * Why a test that needs a service is skipped; or, where the run requires every service
 * (`TOOLGATE_TEST_SERVICES=required`, as .ci/run sets), an error: in CI a service that is missing fails the run
 * instead of turning its tests into skips.
 */
export function unavailable(reason: string): string {
  if (process.env.TOOLGATE_TEST_SERVICES === 'required') throw new Error(`${reason}, and TOOLGATE_TEST_SERVICES=required`);
  return reason;
}
