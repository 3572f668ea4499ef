// Dev environment. Deploy with the signing key in the environment, never in this file:
//
//   export RESSO_LINK_SIGNING_SECRET="$(openssl rand -base64 48)"   # first deployment; then keep it
//   az deployment group create -g rg-resso-dev -f infra/main.bicep -p infra/main.bicepparam
//
// Without RESSO_LINK_SIGNING_SECRET the parameters file does not compile, so nothing is deployed;
// a value shorter than 44 characters (32 bytes in base64) is refused the same way.
using 'main.bicep'

param environmentName = 'dev'
param namePrefix = 'resso'

// Scale small in dev; 2048 MB leaves room for ML.NET training.
param instanceMemoryMB = 2048
param maximumInstanceCount = 40

param storageSkuName = 'Standard_LRS'
param logRetentionInDays = 30

// A dev vault is torn down and recreated: no purge protection, shortest soft-delete retention.
param keyVaultEnablePurgeProtection = false
param keyVaultSoftDeleteRetentionInDays = 7

param linkSigningKeyId = 'k1'
param linkSigningSecret = readEnvironmentVariable('RESSO_LINK_SIGNING_SECRET')
param linkVerificationKeyIds = []

param linkHost = 'links-dev.resso.example'

param trainingSchedule = '0 0 * * * *'
param catalogRollupSchedule = '0 30 * * * *'
param privacyRetentionSchedule = '0 15 3 * * *'

param tags = {
  owner: 'resso-backend'
}
