import {
  appAutoScalingClient,
  CLIENT_RETRY_CONFIG,
  dynamoDocumentClient,
  ecsClient,
  elbv2Client,
} from '../../../shared/aws/clients';

describe('AWS clients', () => {
  it('builds each client once and hands out the same instance afterwards', () => {
    // Act
    const first = ecsClient();
    const second = ecsClient();

    // Assess
    expect(second).toBe(first);
    expect(elbv2Client()).toBe(elbv2Client());
    expect(appAutoScalingClient()).toBe(appAutoScalingClient());
  });

  it('gives the Application Auto Scaling client the same adaptive retries', async () => {
    // Act
    const config = appAutoScalingClient().config;
    const strategy = (await config.retryStrategy()) as { mode?: string };

    // Assess
    expect(strategy.mode).toBe('adaptive');
    expect(await config.maxAttempts()).toBe(CLIENT_RETRY_CONFIG.maxAttempts);
  });

  it('configures adaptive retries with the shared attempt count', async () => {
    // Act
    const config = elbv2Client().config;
    const strategy = (await config.retryStrategy()) as { mode?: string };

    // Assess
    expect(strategy.mode).toBe('adaptive');
    expect(await config.maxAttempts()).toBe(CLIENT_RETRY_CONFIG.maxAttempts);
  });

  it('lets the document client drop undefined attributes instead of failing', () => {
    // Act
    const translate = dynamoDocumentClient().config.translateConfig;

    // Assess
    expect(translate?.marshallOptions?.removeUndefinedValues).toBe(true);
  });
});
