// Key Vault (RBAC authorization) holding the link-signing keys. The app reads them through
// Key Vault references resolved by the platform with the user-assigned identity, which is granted
// Key Vault Secrets User (read secret values) on this vault, which holds nothing but link keys.

@description('Key Vault name: 3-24 letters, digits and hyphens, globally unique.')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region.')
param location string

@description('Tags for every resource.')
param tags object

@description('Principal id of the app\'s user-assigned identity.')
param principalId string

@description('Turn on purge protection (cannot be turned off again; a purged name stays reserved for the retention period).')
param enablePurgeProtection bool

@description('Days a deleted vault or secret can be recovered.')
@minValue(7)
@maxValue(90)
param softDeleteRetentionInDays int

@description('Secret name of the key that signs new links.')
param signingSecretName string

@description('Value of the signing key: base64 of at least 32 random bytes.')
@secure()
param signingSecretValue string

@description('Optional principal (user or group) granted Key Vault Secrets Officer, to add and remove link keys during rotation. Empty: none.')
param operatorPrincipalId string

var roles = {
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: softDeleteRetentionInDays
    // The API accepts true or nothing: false is refused once set, so leave it out.
    enablePurgeProtection: enablePurgeProtection ? true : null
    enabledForDeployment: false
    enabledForDiskEncryption: false
    enabledForTemplateDeployment: false
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }
}

resource signingSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: signingSecretName
  properties: {
    value: signingSecretValue
    contentType: 'base64 HMAC-SHA256 link-signing key'
    attributes: {
      enabled: true
    }
  }
}

resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, principalId, roles.keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'Resso Functions: resolve Key Vault references to link keys'
  }
}

resource secretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(operatorPrincipalId)) {
  name: guid(vault.id, operatorPrincipalId, roles.keyVaultSecretsOfficer)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsOfficer)
    principalId: operatorPrincipalId
    description: 'Resso operators: rotate link keys'
  }
}

@description('Key Vault name.')
output name string = vault.name

@description('Vault URI, with a trailing slash.')
output vaultUri string = vault.properties.vaultUri

@description('Versionless URI of the signing key (the platform picks up new versions).')
output signingSecretUri string = signingSecret.properties.secretUri
