namespace Bulwark;

/// <summary>A node's status. Wire names are lower-case (<c>compromised</c>).</summary>
[GenerateSerializer, Alias("bulwark.node-status")]
public enum NodeStatus
{
    /// <summary>Working, no known compromise.</summary>
    Healthy = 0,
    /// <summary>An adversary is present and has not been detected.</summary>
    Compromised = 1,
    /// <summary>A compromise has been detected and is not yet contained.</summary>
    Detected = 2,
    /// <summary>Cut off from its networks by the defenders.</summary>
    Isolated = 3,
    /// <summary>Working below capacity: a dependency failed or a DDoS.</summary>
    Degraded = 4,
    /// <summary>Destroyed, cut, wiped or without power.</summary>
    Down = 5,
    /// <summary>Being restored after containment.</summary>
    Recovering = 6,
}

/// <summary>What kind of party a domain is.</summary>
[GenerateSerializer, Alias("bulwark.domain-kind")]
public enum DomainKind
{
    /// <summary>An allied nation.</summary>
    Nation = 0,
    /// <summary>The NATO enterprise.</summary>
    NatoEnterprise = 1,
    /// <summary>An industry partner.</summary>
    Industry = 2,
}

/// <summary>Who owns and runs a node.</summary>
[GenerateSerializer, Alias("bulwark.owner")]
public enum Owner
{
    /// <summary>Armed forces.</summary>
    Military = 0,
    /// <summary>Civilian government or operator.</summary>
    Civilian = 1,
    /// <summary>A private company.</summary>
    Industry = 2,
}

/// <summary>The sector a segment serves.</summary>
[GenerateSerializer, Alias("bulwark.sector")]
public enum Sector
{
    /// <summary>Military networks.</summary>
    Military = 0,
    /// <summary>Government services.</summary>
    Government = 1,
    /// <summary>Power generation and distribution.</summary>
    Energy = 2,
    /// <summary>Telecommunications.</summary>
    Telecom = 3,
    /// <summary>Banking and payments.</summary>
    Finance = 4,
    /// <summary>Transport.</summary>
    Transport = 5,
    /// <summary>Undersea cables and pipelines.</summary>
    Undersea = 6,
    /// <summary>Satellites and their ground segment.</summary>
    Space = 7,
    /// <summary>Health care.</summary>
    Health = 8,
    /// <summary>Water supply.</summary>
    Water = 9,
}

/// <summary>What a node is.</summary>
[GenerateSerializer, Alias("bulwark.node-kind")]
public enum NodeKind
{
    /// <summary>A server.</summary>
    Server = 0,
    /// <summary>A workstation.</summary>
    Workstation = 1,
    /// <summary>A router.</summary>
    Router = 2,
    /// <summary>A switch.</summary>
    Switch = 3,
    /// <summary>A firewall or VPN gateway.</summary>
    Firewall = 4,
    /// <summary>A programmable logic controller.</summary>
    Plc = 5,
    /// <summary>A SCADA or energy management system.</summary>
    Scada = 6,
    /// <summary>An operator's human-machine interface.</summary>
    Hmi = 7,
    /// <summary>A data centre.</summary>
    Datacenter = 8,
    /// <summary>A cloud service.</summary>
    CloudService = 9,
    /// <summary>A power plant.</summary>
    PowerPlant = 10,
    /// <summary>A power substation or converter station.</summary>
    PowerSubstation = 11,
    /// <summary>A pipeline.</summary>
    Pipeline = 12,
    /// <summary>A cable (telecom or power).</summary>
    Cable = 13,
    /// <summary>A cable landing station.</summary>
    LandingStation = 14,
    /// <summary>A satellite communications terminal or network.</summary>
    Satcom = 15,
    /// <summary>A satellite ground station.</summary>
    GroundStation = 16,
    /// <summary>A radar.</summary>
    Radar = 17,
    /// <summary>A sensor.</summary>
    Sensor = 18,
    /// <summary>An application or service.</summary>
    Application = 19,
}

/// <summary>Traffic Light Protocol label of a sharing agreement.</summary>
[GenerateSerializer, Alias("bulwark.tlp")]
public enum Tlp
{
    /// <summary>TLP:CLEAR.</summary>
    Clear = 0,
    /// <summary>TLP:GREEN.</summary>
    Green = 1,
    /// <summary>TLP:AMBER.</summary>
    Amber = 2,
    /// <summary>TLP:AMBER+STRICT.</summary>
    AmberStrict = 3,
    /// <summary>TLP:RED.</summary>
    Red = 4,
}

/// <summary>How a dependency group is satisfied.</summary>
[GenerateSerializer, Alias("bulwark.dependency-mode")]
public enum DependencyMode
{
    /// <summary>Every node of the group must be operational.</summary>
    AllOf = 0,
    /// <summary>At least one node of the group must be operational.</summary>
    AnyOf = 1,
}
