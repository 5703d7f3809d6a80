import '../shared/local/polyfills';

// The SDK warns that its future releases need Node 22; Lambda runs nodejs22.x, tests may run on 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
