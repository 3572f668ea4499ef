using Resso.Testing;

[assembly: AssemblyFixture(typeof(AzuriteFixture))]
