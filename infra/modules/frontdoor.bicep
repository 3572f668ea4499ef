// Azure Front Door (Standard) in front of the link host. Universal links are
// https://{linkHost}/api/l/{token}, and iOS and Android look for the app-association files at
// https://{linkHost}/.well-known/…, but the Functions host serves HTTP functions only under /api.
// Front Door binds the custom domain with its certificate, forwards /api/l/* unchanged, and
// rewrites /.well-known/* to /api/well-known/*, where the app serves both files.

@description('Front Door profile name.')
param profileName string

@description('Tags for every resource.')
param tags object

@description('The link host, a DNS name (Resso__Links__LinkHost).')
param linkHost string

@description('Default host name of the Function App (the origin).')
param originHostName string

@description('Key Vault secret id (versionless) of the link host\'s certificate; empty: a certificate managed by Front Door (validated by a DNS TXT record).')
param certificateId string

var useOwnCertificate = !empty(certificateId)

resource profile 'Microsoft.Cdn/profiles@2024-02-01' = {
  name: profileName
  location: 'global'
  tags: tags
  sku: {
    name: 'Standard_AzureFrontDoor'
  }
}

resource endpoint 'Microsoft.Cdn/profiles/afdEndpoints@2024-02-01' = {
  parent: profile
  name: '${profileName}-links'
  location: 'global'
  tags: tags
  properties: {
    enabledState: 'Enabled'
  }
}

resource originGroup 'Microsoft.Cdn/profiles/originGroups@2024-02-01' = {
  parent: profile
  name: 'functionapp'
  properties: {
    loadBalancingSettings: {
      sampleSize: 4
      successfulSamplesRequired: 3
      additionalLatencyInMilliseconds: 50
    }
    healthProbeSettings: {
      probePath: '/api/health'
      probeRequestType: 'GET'
      probeProtocol: 'Https'
      probeIntervalInSeconds: 60
    }
  }
}

resource origin 'Microsoft.Cdn/profiles/originGroups/origins@2024-02-01' = {
  parent: originGroup
  name: 'functionapp'
  properties: {
    hostName: originHostName
    originHostHeader: originHostName
    httpPort: 80
    httpsPort: 443
    priority: 1
    weight: 1000
    enabledState: 'Enabled'
    enforceCertificateNameCheck: true
  }
}

resource certificate 'Microsoft.Cdn/profiles/secrets@2024-02-01' = if (useOwnCertificate) {
  parent: profile
  name: 'link-host-certificate'
  properties: {
    parameters: {
      type: 'CustomerCertificate'
      secretSource: {
        id: certificateId
      }
      useLatestVersion: true
    }
  }
}

resource customDomain 'Microsoft.Cdn/profiles/customDomains@2024-02-01' = {
  parent: profile
  name: replace(linkHost, '.', '-')
  properties: {
    hostName: linkHost
    tlsSettings: useOwnCertificate
      ? {
          certificateType: 'CustomerCertificate'
          minimumTlsVersion: 'TLS12'
          secret: {
            id: certificate.id
          }
        }
      : {
          certificateType: 'ManagedCertificate'
          minimumTlsVersion: 'TLS12'
        }
  }
}

resource wellKnown 'Microsoft.Cdn/profiles/ruleSets@2024-02-01' = {
  parent: profile
  name: 'wellknown'
}

resource rewriteWellKnown 'Microsoft.Cdn/profiles/ruleSets/rules@2024-02-01' = {
  parent: wellKnown
  name: 'appassociation'
  properties: {
    order: 1
    matchProcessingBehavior: 'Stop'
    // No condition: the rewrite's source pattern is a path prefix, and only /.well-known/ paths have it.
    conditions: []
    actions: [
      {
        name: 'UrlRewrite'
        parameters: {
          typeName: 'DeliveryRuleUrlRewriteActionParameters'
          sourcePattern: '/.well-known/'
          destination: '/api/well-known/'
          preserveUnmatchedPath: true
        }
      }
    ]
  }
}

resource route 'Microsoft.Cdn/profiles/afdEndpoints/routes@2024-02-01' = {
  parent: endpoint
  name: 'links'
  dependsOn: [
    origin
  ]
  properties: {
    customDomains: [
      {
        id: customDomain.id
      }
    ]
    originGroup: {
      id: originGroup.id
    }
    ruleSets: [
      {
        id: wellKnown.id
      }
    ]
    supportedProtocols: [
      'Https'
    ]
    patternsToMatch: [
      '/api/l/*'
      '/.well-known/*'
    ]
    forwardingProtocol: 'HttpsOnly'
    linkToDefaultDomain: 'Enabled'
    httpsRedirect: 'Disabled'
    enabledState: 'Enabled'
  }
}

@description('CNAME target for the link host.')
output endpointHostName string = endpoint.properties.hostName

@description('Front Door\'s id, sent in X-Azure-FDID: an origin can refuse requests from any other profile.')
output frontDoorId string = profile.properties.frontDoorId

@description('With a managed certificate: the value of the TXT record _dnsauth.{linkHost} that proves the domain.')
output domainValidationToken string = useOwnCertificate
  ? ''
  : customDomain.properties.validationProperties.validationToken
