"""The privacy class and description of the fields of one area's OCPI objects
(`notes.NOTES` joins the areas). Who charges and who talks: drivers' tokens and energy
contracts, and the version and credentials handshake between platforms."""

from __future__ import annotations

PARTY_NOTES = """Token
  country_code             quasi     country code of the eMSP that issued the token
  party_id                 quasi     party id of the eMSP that issued the token; a small eMSP or fleet singles out
  uid                      personal  token uid: the RFID chip id or an app user id
  type                     quasi     kind of token (RFID, app user, ad hoc...)
  auth_id                  personal  2.1.1 name of the contract id (eMA id)
  contract_id              personal  contract id (eMA id) the charging is billed to
  visual_number            personal  number printed on the card
  issuer                   quasi     company that issued the card; may name an employer
  group_id                 personal  groups the tokens of one driver or account
  valid                    quasi     whether the token may be used
  whitelist                quasi     how the token may be authorised offline
  language                 quasi     preferred language of the driver
  default_profile_type     quasi     the driver's preferred smart-charging profile
  energy_contract          public    the driver's energy supplier contract
  last_updated             quasi     when the eMSP last changed the token

EnergyContract
  supplier_name            quasi     name of the driver's energy supplier
  contract_id              personal  the driver's contract id with that supplier

Version
  version                  public    OCPI version number
  url                      public    URL of the version's details

VersionDetails
  version                  public    OCPI version number
  endpoints                public    the modules the platform offers

Endpoint
  identifier               public    module identifier
  role                     public    sender (data owner) or receiver interface
  url                      public    URL of the module

Credentials
  token                    never     credentials token for calling the other party
  url                      public    versions URL of the party
  business_details         public    company details of the party
  party_id                 public    party id of the party
  country_code             public    country code of the party
  hub_party_id             public    country code and party id of the hub
  roles                    public    roles the platform plays

CredentialsRole
  role                     public    role (CPO, eMSP...)
  business_details         public    company details for this role
  party_id                 public    party id for this role
  country_code             public    country code for this role
"""
