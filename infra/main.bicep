// Resso Functions on Azure: a Flex Consumption Function App (.NET 10 isolated worker) that reaches
// its storage account, Application Insights and Key Vault with one user-assigned managed identity.
// No connection string, account key or instrumentation key is stored anywhere.
//
//   az deployment group create -g <rg> -f infra/main.bicep -p infra/main.bicepparam
//
// See infra/README.md.

targetScope = 'resourceGroup'

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

@description('A paid plan offered in one region (Resso__Offers__Regions__{CC}__…).')
type regionPlan = {
  @description('ISO 4217 currency code, e.g. USD.')
  currency: string

  @description('Monthly price as a decimal string in the currency\'s units, e.g. "10.99".')
  monthlyPrice: string

  @description('Free-trial days offered to new subscribers (0: none).')
  @minValue(0)
  trialDays: int

  @description('Plan id billing knows, e.g. premium-monthly.')
  plan: string
}

@description('One arm of an offer experiment (Resso__Offers__Experiments__{i}__Variants__{j}__…).')
type offerVariant = {
  @description('Variant name, reported in attribution.')
  name: string

  @description('Relative weight in the random split (app default 1).')
  @minValue(1)
  weight: int?

  @description('Trial days that override the region\'s (app default: the region\'s).')
  @minValue(0)
  trialDays: int?

  @description('Headline that overrides the default; {trialDays} is replaced.')
  headline: string?
}

@description('An offer experiment (Resso__Offers__Experiments__{i}__…).')
type offerExperiment = {
  @description('Experiment name.')
  name: string

  @description('Its variants, at least one.')
  @minLength(1)
  variants: offerVariant[]
}

// ---------------------------------------------------------------------------------------------
// Parameters: placement and naming
// ---------------------------------------------------------------------------------------------

@description('Azure region of every resource (one where Flex Consumption is offered).')
param location string = resourceGroup().location

@description('Short name of the workload, used in every resource name: lowercase letters and digits.')
@minLength(2)
@maxLength(10)
param namePrefix string = 'resso'

@description('Environment, used in resource names and tags, e.g. dev, test, prod: lowercase letters and digits.')
@minLength(1)
@maxLength(8)
param environmentName string

@description('Extra tags for every resource.')
param tags object = {}

// ---------------------------------------------------------------------------------------------
// Parameters: hosting
// ---------------------------------------------------------------------------------------------

@description('Memory of each instance of the serving Function App, in MB (CPU is allotted in proportion). It holds the served model: 2048 or more.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Most instances the Function App scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Memory of each instance of the trainer Function App, which runs retraining and the catalog roll-up (docs/benchmarks.md, "Where training runs": training at 10 M interactions peaks at 3.25 GiB).')
@allowed([
  2048
  4096
])
param trainerInstanceMemoryMB int = 4096

@description('How long one training (or roll-up) may run on the trainer app (host.json functionTimeout, overridden there): hh:mm:ss, at most unbounded on Flex Consumption.')
param trainingTimeout string = '02:00:00'

@description('Storage replication. Standard_LRS suits dev; Standard_ZRS or Standard_GZRS for production.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
  'Standard_RAGRS'
  'Standard_RAGZRS'
])
param storageSkuName string = 'Standard_LRS'

@description('Days the Log Analytics workspace keeps logs.')
@minValue(30)
@maxValue(730)
param logRetentionInDays int = 30

@description('Key Vault purge protection. Once on it cannot be turned off; leave it on in production.')
param keyVaultEnablePurgeProtection bool = true

@description('Days a deleted vault or secret can be recovered.')
@minValue(7)
@maxValue(90)
param keyVaultSoftDeleteRetentionInDays int = 90

@description('Optional object id of a user or group granted Key Vault Secrets Officer on the vault, to add and remove link keys (infra/README.md, key rotation). Empty: nobody.')
param linkKeyOperatorPrincipalId string = ''

// ---------------------------------------------------------------------------------------------
// Parameters: signed links (Resso__Links__…)
// ---------------------------------------------------------------------------------------------

@description('Id of the key that signs new links (Resso__Links__SigningKeyId): 1-16 letters and digits (it names an app setting and a Key Vault secret). It travels in every token.')
@minLength(1)
@maxLength(16)
param linkSigningKeyId string = 'k1'

@description('The signing key itself: base64 of at least 32 random bytes, e.g. `openssl rand -base64 48`. Stored in Key Vault as link-key-{linkSigningKeyId}; the app reads it through a Key Vault reference.')
@secure()
@minLength(44)
param linkSigningSecret string

@description('Ids of other keys that verify links but do not sign them: a new key before it signs, or a retired one until its links expire (infra/README.md, key rotation). Their secrets link-key-{id} must already be in the vault.')
param linkVerificationKeyIds string[] = []

@description('Host name of universal links, https://{linkHost}/api/l/{token} (Resso__Links__LinkHost): a bare DNS name routed to the Function App.')
param linkHost string

@description('Issuer (iss) of listeners\' access tokens from the streaming app\'s identity provider (Resso__Auth__Issuer). Empty: the listener routes refuse every token.')
param listenerTokenIssuer string = ''

@description('Audience (aud) of those tokens: this API\'s identifier at the provider (Resso__Auth__Audience).')
param listenerTokenAudience string = ''

@description('The provider\'s https OpenID Connect issuer URL, where the signing keys are read (Resso__Auth__Authority).')
param listenerTokenAuthority string = ''

@description('Key Vault secret id (versionless) of a certificate for linkHost, used by Front Door; empty: Front Door manages one (prove the domain with the TXT record in the output domainValidationToken). Front Door needs read access to that vault.')
param linkHostCertificateId string = ''

@description('iOS app ids allowed to open links, {TeamId}.{BundleId} (Resso__AppLinks__AppleAppIds, comma-separated), served in /.well-known/apple-app-site-association.')
param appleAppIds string = ''

@description('Android packages allowed to open links (Resso__AppLinks__AndroidPackages, comma-separated), served in /.well-known/assetlinks.json.')
param androidPackages string = ''

@description('SHA-256 fingerprints of the Android signing certificates (Resso__AppLinks__AndroidCertFingerprints, comma-separated, upper-case hex pairs joined by colons).')
param androidCertFingerprints string = ''

@description('App Store page of the streaming app (Resso__Links__IosStoreUrl).')
param iosStoreUrl string = 'https://apps.apple.com/app/resso/id1482906000'

@description('Play Store page of the streaming app (Resso__Links__AndroidStoreUrl).')
param androidStoreUrl string = 'https://play.google.com/store/apps/details?id=com.moonvideo.android.resso'

@description('Web player (Resso__Links__WebPlayerUrl).')
param webPlayerUrl string = 'https://www.resso.com'

@description('How long a link works after the offer is served (Resso__Links__LinkLifetime), d.hh:mm:ss. A retired key verifies at least this long after it stopped signing.')
param linkLifetime string = '7.00:00:00'

@description('How long a claim code can be redeemed (Resso__Links__ClaimLifetime), d.hh:mm:ss.')
param claimLifetime string = '7.00:00:00'

@description('Last-click attribution window (Resso__Links__AttributionWindow), d.hh:mm:ss.')
param attributionWindow string = '7.00:00:00'

// ---------------------------------------------------------------------------------------------
// Parameters: ingestion, training, catalog, offers
// ---------------------------------------------------------------------------------------------

@description('Partitions of the interactions table (Resso__Ingestion__UserPartitions). Fixed for the life of the data: never change it on a deployed environment.')
@minValue(1)
param ingestionUserPartitions int = 8

@description('Shards of each day\'s song statistics (Resso__Ingestion__StatsShards).')
@minValue(1)
param ingestionStatsShards int = 8

@description('Retrain timer, six-field NCRONTAB in UTC (Resso__Training__Schedule).')
param trainingSchedule string = '0 0 * * * *'

@description('The timer retrains only after this many new events (Resso__Training__MinNewEvents).')
@minValue(0)
param trainingMinNewEvents int = 1000

@description('Hourly roll-up of each song\'s most used segment, six-field NCRONTAB in UTC (Resso__Catalog__RollupSchedule).')
param catalogRollupSchedule string = '0 30 * * * *'

@description('Daily retention run that deletes raw events older than eventRetention, six-field NCRONTAB in UTC (Resso__Privacy__RetentionSchedule).')
param privacyRetentionSchedule string = '0 15 3 * * *'

@description('How long raw events (event-log blobs, counted-event rows) are kept, as a .NET TimeSpan (Resso__Privacy__EventRetention); at least Resso__Ingestion__MaxEventAge plus 7 days.')
param eventRetention string = '400.00:00:00'

@description('Paid plan per region (ISO 3166 alpha-2 code → plan). Regions left out offer listen_free.')
param offerRegions { *: regionPlan } = {
  ID: { currency: 'IDR', monthlyPrice: '54990', trialDays: 30, plan: 'premium-monthly' }
  US: { currency: 'USD', monthlyPrice: '10.99', trialDays: 30, plan: 'premium-monthly' }
  BR: { currency: 'BRL', monthlyPrice: '21.90', trialDays: 30, plan: 'premium-monthly' }
  MX: { currency: 'MXN', monthlyPrice: '115', trialDays: 30, plan: 'premium-monthly' }
  IN: { currency: 'INR', monthlyPrice: '119', trialDays: 30, plan: 'premium-monthly' }
  PH: { currency: 'PHP', monthlyPrice: '149', trialDays: 30, plan: 'premium-monthly' }
  GB: { currency: 'GBP', monthlyPrice: '10.99', trialDays: 30, plan: 'premium-monthly' }
}

@description('Offer experiments. Default: the sample\'s trial-length test, 30 against 14 trial days.')
param offerExperiments offerExperiment[] = [
  {
    name: 'trial-length'
    variants: [
      { name: 't30', weight: 1 }
      { name: 't14', weight: 1, trialDays: 14 }
    ]
  }
]

@description('Any other app setting from the README\'s configuration table, name → value, e.g. {"Resso__Training__LatentDimension": "128"}. Applied over the Resso__ settings above; never holds a secret.')
param additionalAppSettings object = {}

// ---------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------

var token = uniqueString(resourceGroup().id, namePrefix, environmentName)
var baseName = '${namePrefix}-${environmentName}'
var compactName = take(toLower('${namePrefix}${environmentName}'), 9)

var names = {
  identity: 'id-${baseName}'
  workspace: 'log-${baseName}'
  appInsights: 'appi-${baseName}'
  plan: 'plan-${baseName}'
  functionApp: 'func-${baseName}-${token}'
  trainerPlan: 'plan-${baseName}-train'
  trainerApp: 'func-${baseName}-train-${token}'
  storage: 'st${compactName}${token}'
  keyVault: 'kv${compactName}${token}'
  deploymentContainer: 'app-package'
  trainerDeploymentContainer: 'trainer-package'
}

var allTags = union({ application: 'resso-functions', environment: environmentName }, tags)

// shared/Resso.Shared/Storage/StorageNames.cs with an empty Resso__Storage__Prefix.
var storageNames = {
  tables: [
    'songs'
    'songchanges'
    'interactions'
    'songstats'
    'subscriptions'
    'clicks'
    'claims'
    'conversions'
    'userfactors'
    'erasures'
  ]
  queues: [
    'song-used'
    'song-used-poison'
    'model-retrain'
    'model-retrain-poison'
  ]
  containers: [
    'models'
    'event-log'
    'offer-log'
    'poison'
    'catalog'
  ]
}

// ---------------------------------------------------------------------------------------------
// Resources
// ---------------------------------------------------------------------------------------------

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: names.identity
  location: location
  tags: allTags
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    workspaceName: names.workspace
    appInsightsName: names.appInsights
    location: location
    tags: allTags
    retentionInDays: logRetentionInDays
    principalId: identity.properties.principalId
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: names.storage
    location: location
    tags: allTags
    skuName: storageSkuName
    deploymentContainerName: names.deploymentContainer
    principalId: identity.properties.principalId
    tableNames: storageNames.tables
    queueNames: storageNames.queues
    containerNames: union(storageNames.containers, [names.trainerDeploymentContainer])
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    name: names.keyVault
    location: location
    tags: allTags
    principalId: identity.properties.principalId
    enablePurgeProtection: keyVaultEnablePurgeProtection
    softDeleteRetentionInDays: keyVaultSoftDeleteRetentionInDays
    signingSecretName: linkKeySecretName(linkSigningKeyId)
    signingSecretValue: linkSigningSecret
    operatorPrincipalId: linkKeyOperatorPrincipalId
  }
}

// ---------------------------------------------------------------------------------------------
// App settings
// ---------------------------------------------------------------------------------------------

@description('Key Vault secret that holds the link key with this id.')
func linkKeySecretName(keyId string) string => 'link-key-${keyId}'

@description('The settings of one offer variant, under prefix.')
func variantSettings(prefix string, variant offerVariant) object =>
  union(
    { '${prefix}__Name': variant.name },
    variant.?weight == null ? {} : { '${prefix}__Weight': string(variant.?weight) },
    variant.?trialDays == null ? {} : { '${prefix}__TrialDays': string(variant.?trialDays) },
    variant.?headline == null ? {} : { '${prefix}__Headline': variant.?headline }
  )

@description('The settings of experiment i and its variants.')
func experimentSettings(i int, experiment offerExperiment) object =>
  reduce(
    range(0, length(experiment.variants)),
    { 'Resso__Offers__Experiments__${i}__Name': experiment.name },
    (settings, j) =>
      union(settings, variantSettings('Resso__Offers__Experiments__${i}__Variants__${j}', experiment.variants[j]))
  )

// The storage account, reached with the user-assigned identity: read by the Functions host (queue
// and timer triggers, keys, leases) and by the app (StorageConnection.cs). The service URIs use the
// cloud's own storage suffix, so neither assumes the public cloud's core.windows.net.
var storageSuffix = environment().suffixes.storage
var storageSettings = {
  AzureWebJobsStorage__accountName: storage.outputs.name
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identity.properties.clientId
  AzureWebJobsStorage__blobServiceUri: 'https://${storage.outputs.name}.blob.${storageSuffix}'
  AzureWebJobsStorage__queueServiceUri: 'https://${storage.outputs.name}.queue.${storageSuffix}'
  AzureWebJobsStorage__tableServiceUri: 'https://${storage.outputs.name}.table.${storageSuffix}'
  // The queue triggers' names, read by the Functions host (%Resso:Storage:SongUsedQueue%);
  // without a Resso__Storage__Prefix they are the plain names the storage module creates.
  Resso__Storage__SongUsedQueue: 'song-used'
  Resso__Storage__ModelRetrainQueue: 'model-retrain'
}

// Telemetry with an Entra token of the identity (local authentication is off on the component).
// Both processes read these: the Functions host (host.json "telemetryMode": "OpenTelemetry") and the
// worker's Azure Monitor exporter (functions/Resso.Functions/WorkerTelemetry.cs), which takes the
// identity from the authentication string's ClientId.
var monitoringSettings = {
  APPLICATIONINSIGHTS_CONNECTION_STRING: monitoring.outputs.connectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.properties.clientId};Authorization=AAD'
}

// The signing key and any keys that only verify, each a Key Vault reference resolved by the
// platform with keyVaultReferenceIdentity (the user-assigned identity).
var verificationKeyIds = filter(linkVerificationKeyIds, id => id != linkSigningKeyId)
var linkKeySettings = reduce(
  verificationKeyIds,
  {
    Resso__Links__SigningKeyId: linkSigningKeyId
    Resso__Auth__Issuer: listenerTokenIssuer
    Resso__Auth__Audience: listenerTokenAudience
    Resso__Auth__Authority: listenerTokenAuthority
    Resso__AppLinks__AppleAppIds: appleAppIds
    Resso__AppLinks__AndroidPackages: androidPackages
    Resso__AppLinks__AndroidCertFingerprints: androidCertFingerprints
    'Resso__Links__Keys__${linkSigningKeyId}': '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.signingSecretUri})'
  },
  (settings, id) =>
    union(settings, {
      'Resso__Links__Keys__${id}': '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.vaultUri}secrets/${linkKeySecretName(id)})'
    })
)

var linkSettings = {
  Resso__Links__LinkHost: linkHost
  Resso__Links__IosStoreUrl: iosStoreUrl
  Resso__Links__AndroidStoreUrl: androidStoreUrl
  Resso__Links__WebPlayerUrl: webPlayerUrl
  Resso__Links__LinkLifetime: linkLifetime
  Resso__Links__ClaimLifetime: claimLifetime
  Resso__Links__AttributionWindow: attributionWindow
}

// The Functions host forwards each request to the worker on loopback and sets X-Forwarded-For to
// the address it saw; the per-client rate limits read it only from there.
var rateLimitSettings = {
  Resso__RateLimits__TrustedProxies: '127.0.0.1,::1'
  Resso__RateLimits__ForwardLimit: '1'
}

var ingestionAndTrainingSettings = {
  Resso__Ingestion__UserPartitions: string(ingestionUserPartitions)
  Resso__Ingestion__StatsShards: string(ingestionStatsShards)
  Resso__Training__Schedule: trainingSchedule
  Resso__Training__MinNewEvents: string(trainingMinNewEvents)
  Resso__Catalog__RollupSchedule: catalogRollupSchedule
  Resso__Privacy__RetentionSchedule: privacyRetentionSchedule
  Resso__Privacy__EventRetention: eventRetention
}

var regionSettings = reduce(
  items(offerRegions),
  {},
  (settings, region) =>
    union(settings, {
      'Resso__Offers__Regions__${region.key}__Currency': region.value.currency
      'Resso__Offers__Regions__${region.key}__MonthlyPrice': region.value.monthlyPrice
      'Resso__Offers__Regions__${region.key}__TrialDays': string(region.value.trialDays)
      'Resso__Offers__Regions__${region.key}__Plan': region.value.plan
    })
)

var experimentAppSettings = reduce(
  range(0, length(offerExperiments)),
  {},
  (settings, i) => union(settings, experimentSettings(i, offerExperiments[i]))
)

// Resso__Api__Keys is not set: under Azure the Functions host checks its own function keys.
// Resso__Storage__Prefix is not set: the storage module creates the unprefixed names.
var appSettings = union(
  ingestionAndTrainingSettings,
  rateLimitSettings,
  linkSettings,
  regionSettings,
  experimentAppSettings,
  additionalAppSettings,
  linkKeySettings,
  storageSettings,
  monitoringSettings
)

// One package, two apps. The serving app answers HTTP and counts events; the trainer app, on
// larger instances with a longer function timeout, retrains and rolls the catalog up, so a
// training run neither exceeds the serving app's memory nor takes instances from it. Each app
// disables the other's functions with the Functions host's AzureWebJobs.<name>.Disabled settings.
// Every function of the app is in exactly one list (tests/Resso.Functions.Worker.Tests checks it).
var trainerFunctions = [
  'ModelRetrain'
  'RetrainTimer'
  'CatalogRollupTimer'
  'RetentionTimer'
]
var servingFunctions = [
  'Health'
  'PostEvents'
  'SongUsed'
  'PutSong'
  'GetSong'
  'RunCatalogRollup'
  'GetModel'
  'GetModelVersions'
  'RetrainModel'
  'GetOffer'
  'FollowLink'
  'AppleAppSiteAssociation'
  'AndroidAssetLinks'
  'RedeemClaim'
  'RecordConversion'
  'AttributionReport'
  'AttributionSeries'
  'GetMyRecommendations'
  'GetMyMixes'
  'GetMyHistory'
  'GetRecommendations'
  'GetMixes'
  'GetHistory'
  'GetSimilarSongs'
  'GetTrending'
  'GetOpenApiDocument'
  'GetIngestionMetrics'
  'Dashboard'
  'ExportMe'
  'EraseMe'
  'ExportUser'
  'EraseUser'
]

func disabled(functionNames string[]) object =>
  reduce(functionNames, {}, (settings, name) => union(settings, { 'AzureWebJobs.${name}.Disabled': 'true' }))

// Uses the outputs of the storage, monitoring and Key Vault modules, so it starts only after they
// (and the identity's role assignments in them) are done, and the first start finds its access.
module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  params: {
    planName: names.plan
    appName: names.functionApp
    location: location
    tags: allTags
    identityId: identity.id
    runtimeVersion: '10.0'
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    storageBlobEndpoint: storage.outputs.blobEndpoint
    deploymentContainerName: names.deploymentContainer
    appSettings: union(appSettings, disabled(trainerFunctions))
  }
}

// Training is single-threaded per run and takes a lease (one run at a time across instances):
// one instance is enough.
module trainerApp 'modules/functionapp.bicep' = {
  name: 'trainerapp'
  params: {
    planName: names.trainerPlan
    appName: names.trainerApp
    location: location
    tags: allTags
    identityId: identity.id
    runtimeVersion: '10.0'
    instanceMemoryMB: trainerInstanceMemoryMB
    maximumInstanceCount: 1
    storageBlobEndpoint: storage.outputs.blobEndpoint
    deploymentContainerName: names.trainerDeploymentContainer
    appSettings: union(appSettings, disabled(servingFunctions), {
      AzureFunctionsJobHost__functionTimeout: trainingTimeout
    })
  }
}

// The link host: Front Door binds linkHost with its certificate, forwards the links and rewrites
// /.well-known/* to the app-association functions under /api/well-known/.
module frontDoor 'modules/frontdoor.bicep' = {
  name: 'frontdoor'
  params: {
    profileName: '${baseName}-fd'
    tags: allTags
    linkHost: linkHost
    originHostName: functionApp.outputs.defaultHostName
    certificateId: linkHostCertificateId
  }
}

// ---------------------------------------------------------------------------------------------
// Outputs
// ---------------------------------------------------------------------------------------------

@description('Function App name: `func azure functionapp publish <name>`.')
output functionAppName string = functionApp.outputs.name

@description('Trainer Function App name: publish the same package to it.')
output trainerAppName string = trainerApp.outputs.name

@description('Default host name of the Function App.')
output defaultHostName string = functionApp.outputs.defaultHostName

@description('Point linkHost here: a CNAME from linkHost to this Front Door endpoint.')
output linkHostCname string = frontDoor.outputs.endpointHostName

@description('With a Front Door managed certificate: the TXT record _dnsauth.{linkHost} that proves the domain.')
output linkHostValidationToken string = frontDoor.outputs.domainValidationToken

@description('Storage account name.')
output storageAccountName string = storage.outputs.name

@description('Client id of the user-assigned identity the app runs as.')
output identityClientId string = identity.properties.clientId

@description('Key Vault name (link keys).')
output keyVaultName string = keyVault.outputs.name

@description('Application Insights component name.')
output appInsightsName string = monitoring.outputs.appInsightsName
