/**
 * On Node 20 every AWS SDK client prints a seven-line notice that SDK releases after early 2027 need
 * Node 22: once per process, so on every `npm start`, and once per test worker in CI. Linkplane
 * supports Node 20.19+ and 22.13+ (README, "Requirements"; Lambda runs nodejs22.x), and says so there
 * once. This turns off that notice alone, through the SDK's own switch: every other warning, the SDK's
 * included, still prints. Set AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=false to see it again.
 * Import it before any SDK client is built.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
