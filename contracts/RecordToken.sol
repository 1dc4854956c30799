// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {IERC5192} from "./interfaces/IERC5192.sol";
import {IRecordToken} from "./interfaces/IRecordToken.sol";
import {IConsentManager} from "./interfaces/IConsentManager.sol";
import {IPatientRegistry} from "./interfaces/IPatientRegistry.sol";
import {IProviderRegistry} from "./interfaces/IProviderRegistry.sol";
import {Scopes} from "./libraries/Scopes.sol";

/**
 * @title RecordToken
 * @notice A soulbound (ERC-5192) ERC-721 token per health record. It points at the encrypted record: the CIDv1
 * of the ciphertext in content-addressed storage and the SHA-256 of the ciphertext. No health data is stored.
 *
 * A record is minted to a registered patient by the patient itself, or by an active provider or lab that
 * holds the patient's APPEND consent over all records. The same parties update it; each update carries the
 * issuer's EIP-712 attestation over (tokenId, cid, contentHash, version). The patient burns it (erasure).
 */
contract RecordToken is ERC721, EIP712, IERC5192, IRecordToken {
    /// @notice The pointer and provenance of one record.
    struct Record {
        bytes32 contentHash;
        bytes32 recordKind;
        address issuer;
        uint64 version;
        bytes cid;
    }

    /// @notice EIP-712 type hash of a record update attestation.
    bytes32 public constant RECORD_UPDATE_TYPEHASH =
        keccak256("RecordUpdate(uint256 tokenId,bytes cid,bytes32 contentHash,uint64 version)");
    /// @notice Longest CID accepted, in bytes.
    uint256 public constant MAX_CID_LENGTH = 128;

    /// @notice The patient registry: records are minted to registered patients only.
    IPatientRegistry public immutable patientRegistry;
    /// @notice The participant registry: issuers other than the patient must be active providers or labs.
    IProviderRegistry public immutable providerRegistry;
    /// @notice The consent manager that holds APPEND consents.
    IConsentManager public immutable consentManager;

    uint256 private _nextTokenId = 1;
    mapping(uint256 tokenId => Record) private _records;

    /// @dev Record tokens never move: every transfer reverts.
    error SoulboundTransfer(uint256 tokenId);
    /// @dev Record tokens have no operators: every approval reverts.
    error SoulboundApproval();
    /// @dev A zero address was given.
    error ZeroAddress();
    /// @dev `account` is not a registered patient.
    error NotAPatient(address account);
    /// @dev `issuer` may not mint or update records of this patient.
    error UnauthorizedIssuer(address issuer);
    /// @dev Only the patient may do this.
    error NotRecordPatient(uint256 tokenId, address account);
    /// @dev `cid` is not a binary CIDv1 of acceptable length.
    error InvalidCid();
    /// @dev The content hash is zero.
    error InvalidContentHash();
    /// @dev The attestation is not the issuer's signature over the update.
    error InvalidAttestation();

    /// @notice Record `tokenId` of `patient` was created by `issuer`.
    event RecordMinted(
        uint256 indexed tokenId,
        address indexed patient,
        address indexed issuer,
        bytes cid,
        bytes32 contentHash,
        bytes32 recordKind
    );
    /// @notice Record `tokenId` now points at `cid`/`contentHash`, attested by `issuer`.
    event DataUpdated(
        uint256 indexed tokenId,
        bytes cid,
        bytes32 contentHash,
        address indexed issuer,
        uint64 version,
        bytes attestation
    );
    /// @notice Record `tokenId` of `patient` was burned and its pointer deleted.
    event RecordBurned(uint256 indexed tokenId, address indexed patient);

    /**
     * @param patients The patient registry.
     * @param providers The participant registry.
     * @param consents The consent manager.
     */
    constructor(
        IPatientRegistry patients,
        IProviderRegistry providers,
        IConsentManager consents
    ) ERC721("medrec Record", "MEDREC") EIP712("medrec RecordToken", "1") {
        if (address(patients) == address(0) || address(providers) == address(0) || address(consents) == address(0)) {
            revert ZeroAddress();
        }
        patientRegistry = patients;
        providerRegistry = providers;
        consentManager = consents;
    }

    /**
     * @notice Mints a record for `patient` pointing at the ciphertext `cid` whose SHA-256 is `contentHash`.
     * @dev The caller is the patient, or an active provider/lab with the patient's APPEND consent over all
     * records. Emits {RecordMinted}, {Locked} and {Transfer}. Reverts with {NotAPatient}, {UnauthorizedIssuer},
     * {InvalidCid} or {InvalidContentHash}.
     * @return tokenId The new token id (ids start at 1 and are never reused).
     */
    function mint(
        address patient,
        bytes calldata cid,
        bytes32 contentHash,
        bytes32 recordKind
    ) external returns (uint256 tokenId) {
        if (!patientRegistry.isPatient(patient)) revert NotAPatient(patient);
        if (msg.sender != patient && !(_isIssuerKind(msg.sender) && consentManager.canAppend(msg.sender, patient))) {
            revert UnauthorizedIssuer(msg.sender);
        }
        _requireValidPointer(cid, contentHash);
        tokenId = _nextTokenId++;
        _records[tokenId] = Record({
            contentHash: contentHash,
            recordKind: recordKind,
            issuer: msg.sender,
            version: 1,
            cid: cid
        });
        _mint(patient, tokenId);
        emit Locked(tokenId);
        emit RecordMinted(tokenId, patient, msg.sender, cid, contentHash, recordKind);
    }

    /**
     * @notice Points record `tokenId` at a new ciphertext; the version goes up by one.
     * @dev The caller is the patient or an active provider/lab with APPEND on the token, and `attestation`
     * is the caller's EIP-712 signature (ECDSA or ERC-1271) over RecordUpdate(tokenId, cid, contentHash,
     * version + 1). Reverts with {UnauthorizedIssuer}, {InvalidCid}, {InvalidContentHash} or {InvalidAttestation}.
     * @return version The new version.
     */
    function update(
        uint256 tokenId,
        bytes calldata cid,
        bytes32 contentHash,
        bytes calldata attestation
    ) external returns (uint64 version) {
        address patient = _requireOwned(tokenId);
        if (msg.sender != patient && !(_isIssuerKind(msg.sender) && consentManager.hasAccess(msg.sender, tokenId, Scopes.APPEND))) {
            revert UnauthorizedIssuer(msg.sender);
        }
        _requireValidPointer(cid, contentHash);
        Record storage record = _records[tokenId];
        version = record.version + 1;
        bytes32 digest = _hashTypedDataV4(hashRecordUpdate(tokenId, cid, contentHash, version));
        if (!SignatureChecker.isValidSignatureNowCalldata(msg.sender, digest, attestation)) revert InvalidAttestation();
        record.contentHash = contentHash;
        record.issuer = msg.sender;
        record.version = version;
        record.cid = cid;
        emit DataUpdated(tokenId, cid, contentHash, msg.sender, version, attestation);
    }

    /**
     * @notice Burns record `tokenId` and deletes its pointer (right to be forgotten). Only the patient.
     * @dev Reverts with {ERC721NonexistentToken} or {NotRecordPatient}.
     */
    function burn(uint256 tokenId) external {
        address patient = _requireOwned(tokenId);
        if (msg.sender != patient) revert NotRecordPatient(tokenId, msg.sender);
        delete _records[tokenId];
        _burn(tokenId);
        emit RecordBurned(tokenId, patient);
    }

    /**
     * @notice The id the next mint will get. Writers encrypt a record for this id (it is bound into the
     * ciphertext's AAD) and check the minted id in {RecordMinted}; ids are never reused.
     */
    function nextTokenId() external view returns (uint256) {
        return _nextTokenId;
    }

    /// @inheritdoc IRecordToken
    function patientOf(uint256 tokenId) external view returns (address) {
        return _ownerOf(tokenId);
    }

    /// @notice The pointer and provenance of `tokenId`; reverts with {ERC721NonexistentToken} if burned or unknown.
    function recordOf(uint256 tokenId) external view returns (Record memory) {
        _requireOwned(tokenId);
        return _records[tokenId];
    }

    /// @notice The EIP-712 domain separator (name "medrec RecordToken", version "1", chain id, this contract).
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /// @notice The EIP-712 struct hash of an update attestation.
    function hashRecordUpdate(
        uint256 tokenId,
        bytes calldata cid,
        bytes32 contentHash,
        uint64 version
    ) public pure returns (bytes32) {
        return keccak256(abi.encode(RECORD_UPDATE_TYPEHASH, tokenId, keccak256(cid), contentHash, version));
    }

    /// @inheritdoc IERC5192
    function locked(uint256 tokenId) external view returns (bool) {
        _requireOwned(tokenId);
        return true;
    }

    /// @notice Always reverts with {SoulboundApproval}: record tokens have no operators.
    function approve(address, uint256) public pure override {
        revert SoulboundApproval();
    }

    /// @notice Always reverts with {SoulboundApproval}: record tokens have no operators.
    function setApprovalForAll(address, bool) public pure override {
        revert SoulboundApproval();
    }

    /// @inheritdoc IERC165
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(IERC5192).interfaceId || super.supportsInterface(interfaceId);
    }

    /// @dev Lets mint (from zero) and burn (to zero) through; every transfer reverts.
    function _update(address to, uint256 tokenId, address auth) internal override returns (address) {
        if (to != address(0) && _ownerOf(tokenId) != address(0)) revert SoulboundTransfer(tokenId);
        return super._update(to, tokenId, auth);
    }

    function _isIssuerKind(address account) private view returns (bool) {
        IProviderRegistry.Kind kind = providerRegistry.activeKindOf(account);
        return kind == IProviderRegistry.Kind.Provider || kind == IProviderRegistry.Kind.Lab;
    }

    /// @dev A binary CIDv1 starts with the version byte 0x01 followed by a codec and a multihash.
    function _requireValidPointer(bytes calldata cid, bytes32 contentHash) private pure {
        if (cid.length < 4 || cid.length > MAX_CID_LENGTH || cid[0] != 0x01) revert InvalidCid();
        if (contentHash == bytes32(0)) revert InvalidContentHash();
    }
}
