/**
 * Whether this process is a Lambda function on AWS. Metrics and traces are for AWS only: the
 * rehearsal, the CLI and the tests run the same handlers and must neither print EMF lines nor
 * try to reach an X-Ray daemon.
 */
export function onLambda(env: NodeJS.ProcessEnv = process.env): boolean {
  // The runtime sets both; a local run that fakes one (SAM, tests) is still not the Lambda service.
  return Boolean(env.AWS_LAMBDA_FUNCTION_NAME) && Boolean(env.LAMBDA_TASK_ROOT);
}
